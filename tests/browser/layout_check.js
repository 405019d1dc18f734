// What a person would see as broken on the page as it is drawn now: one line per problem, none when fine.
// Run by tests/browser/layout.py (Playwright's page.evaluate) once per page, window width and open menu.
({ lang, minContrast }) => {
  const problems = new Set();
  const width = window.innerWidth;
  const navbar = document.querySelector("nav.navbar");
  const toggler = navbar && navbar.querySelector(".navbar-toggler");
  const navbarExpanded = !!navbar && !(toggler && toggler.getClientRects().length);

  const text = (el) => (el.innerText || el.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim();
  const labelled = (el) => el.matches("a, button, .btn, .nav-link, .navbar-brand, label, span, small, td, th");
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += `#${el.id}`;
    else if (el.name) name += `[name=${el.name}]`;
    else if (el.classList.length) name += "." + [...el.classList].slice(0, 2).join(".");
    const owner = el.parentElement && el.parentElement.closest("[id]");
    if (!el.id && owner && owner !== document.body) name = `#${owner.id} ${name}`;
    const label = labelled(el) ? text(el).slice(0, 30) : "";
    return label ? `${name} “${label}”` : name;
  };
  const rendered = (el) =>
    el.getClientRects().length > 0 && getComputedStyle(el).visibility === "visible" && el.type !== "hidden";
  const px = (value) => Math.round(value);

  // Form controls and tables: some size, not cut away by an ancestor, inside the window horizontally. In
  // a scroll box (.table-responsive) they may reach beyond the window: then the box itself must show.
  const reported = new Set(); // scroll boxes already reported (with the first thing they hide)
  const boxProblem = (el, what) => {
    if (reported.has(el)) return null;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return `${what} is ${px(r.width)}×${px(r.height)} px`;
    let { left, right, top, bottom } = r;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX === "visible" && style.overflowY === "visible") continue;
      if (/auto|scroll/.test(style.overflowX + style.overflowY)) {
        const problem = boxProblem(a, `the scroll box ${describe(a)} around ${what}`);
        if (problem) reported.add(a);
        return problem;
      }
      const c = a.getBoundingClientRect();
      left = Math.max(left, c.left);
      right = Math.min(right, c.right);
      top = Math.max(top, c.top);
      bottom = Math.min(bottom, c.bottom);
      if (right - left < 1 || bottom - top < 1) {
        return `${what} is cut away by ${describe(a)} (${px(c.width)}×${px(c.height)} px)`;
      }
    }
    if (left < -1 || right > width + 1) return `${what} lies outside the window (${px(left)}–${px(right)} px of ${width})`;
    return null;
  };
  for (const el of document.querySelectorAll("input, select, textarea, button, table")) {
    if (!rendered(el)) continue;
    const problem = boxProblem(el, describe(el));
    if (problem) problems.add(problem);
  }

  // The page is no wider than the window; name the outermost things that stick out (not what a scroll
  // box holds, unless it is positioned out of the box's reach).
  if (document.documentElement.scrollWidth > width + 1) {
    const clipped = (el) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== "visible") return true;
      }
      return false;
    };
    const out = new Set([...document.body.querySelectorAll("*")].filter((el) =>
      rendered(el) && el.getBoundingClientRect().right > width + 1 &&
      (!clipped(el) || /absolute|fixed/.test(getComputedStyle(el).position))));
    const culprits = [...out].filter((el) => !out.has(el.parentElement));
    problems.add(`the page is ${document.documentElement.scrollWidth} px wide in a ${width} px window` +
      (culprits.length ? `: ${culprits.slice(0, 3).map(describe).join(", ")} stick out` : ""));
  }

  // Labels. The lines a label is drawn on; `forced` when a line starts after a <br> or a block (meant so).
  const lines = (el) => {
    const range = document.createRange();
    const chars = [];
    let forced = false;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let node; (node = walker.nextNode()); ) {
      if (node.nodeType === Node.ELEMENT_NODE) {
        if (node.tagName === "BR" || !/^inline/.test(getComputedStyle(node).display)) forced = true;
        continue;
      }
      if (node.parentElement.closest(".visually-hidden")) continue;
      for (let i = 0; i < node.data.length; i++) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const r = range.getBoundingClientRect();
        chars.push({ ch: node.data[i], top: r.top, height: r.height, forced });
        forced = false;
      }
    }
    const result = [];
    let space = false;
    let forcedNext = false;
    for (const c of chars) {
      forcedNext = forcedNext || c.forced;
      if (/\s/.test(c.ch) || !c.height) {
        space = true;
        continue;
      }
      const line = result[result.length - 1];
      if (!line || c.top > line.top + line.height / 2) {
        result.push({ top: c.top, height: c.height, text: c.ch, spaceBefore: space, forced: forcedNext });
      } else line.text += (space ? " " : "") + c.ch;
      space = forcedNext = false;
    }
    return result;
  };
  // A navbar item (menu open across the top) stays on one line; no label breaks inside a word (a Chinese
  // one between two characters: 首/页); a Chinese button label stays on one line from 1366 px.
  const word = /[\p{L}\p{N}]/u;
  const labels = ".navbar .nav-link, .navbar .navbar-brand, .navbar .dropdown-item-text, button, .btn";
  for (const el of document.querySelectorAll(labels)) {
    if (!rendered(el)) continue;
    const whole = document.createRange();
    whole.selectNodeContents(el);
    const tops = [...whole.getClientRects()].filter((r) => r.width > 0).map((r) => r.top);
    if (!tops.length || Math.max(...tops) - Math.min(...tops) < 4) continue; // one line: the common case
    const drawn = lines(el);
    const wraps = drawn.slice(1).filter((line) => !line.forced);
    if (!wraps.length) continue;
    const shown = drawn.map((line) => line.text).join(" / ");
    const broken = drawn.slice(1).some((line, i) =>
      !line.forced && !line.spaceBefore && word.test(drawn[i].text.slice(-1)) && word.test(line.text[0]));
    const chinese = lang.startsWith("zh") && /\p{Script=Han}/u.test(shown);
    if (navbarExpanded && el.closest(".navbar")) problems.add(`navbar item ${describe(el)} wraps (${shown})`);
    else if (broken) problems.add(`${describe(el)} wraps inside a word (${shown})`);
    else if (chinese && width >= 1366) problems.add(`${describe(el)} wraps at ${width} px (${shown})`);
  }

  // Table cells are not squeezed until their text stands a character or two a line (功/率/半/导/体).
  for (const cell of document.querySelectorAll("td, th")) {
    if (!rendered(cell) || !cell.innerText.trim()) continue;
    const style = getComputedStyle(cell);
    const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (room >= 4 * parseFloat(style.fontSize)) continue;
    const drawn = lines(cell);
    if (drawn.slice(1).some((line) => !line.forced)) {
      const shown = drawn.slice(0, 4).map((line) => line.text).join(" / ") + (drawn.length > 4 ? " …" : "");
      problems.add(`table cell ${describe(cell)} is squeezed to ${px(room)} px (${shown})`);
    }
  }

  // Navbar text contrast (WCAG 2.1): its colour composited on what is behind it, at least minContrast.
  const rgba = (value) => (value.match(/[\d.]+/g) || [0, 0, 0, 0]).map(Number).concat([1]).slice(0, 4);
  const over = (c, under) => [0, 1, 2].map((i) => c[i] * c[3] + under[i] * (1 - c[3])).concat([1]);
  const background = (el) => {
    const layers = [];
    for (let a = el; a; a = a.parentElement) {
      const c = rgba(getComputedStyle(a).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((under, c) => over(c, under), [255, 255, 255, 1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  for (const el of navbar ? navbar.querySelectorAll("*") : []) {
    if (!rendered(el) || ![...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.data.trim())) continue;
    const behind = background(el);
    const [hi, lo] = [luminance(over(rgba(getComputedStyle(el).color), behind)), luminance(behind)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < minContrast) problems.add(`navbar text ${describe(el)} has contrast ${ratio.toFixed(2)}:1 (needs ${minContrast}:1)`);
  }
  return [...problems];
}
