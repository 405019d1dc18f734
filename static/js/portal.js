/* Behaviour every page may use, kept out of the templates so the Content-Security-Policy needs no inline script:
   - a button or form with data-confirm="…" asks before it submits;
   - "Add a row" (data-formset-add="prefix") clones the formset's empty form and bumps TOTAL_FORMS;
   - a bar or progress bar with data-bar-width="42" is drawn that wide (a style attribute would need unsafe-inline). */
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-confirm], input[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-formset-add]");
    if (!button) { return; }
    var prefix = button.getAttribute("data-formset-add");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.querySelector('template[data-formset-empty="' + prefix + '"]');
    var body = document.querySelector('[data-formset-body="' + prefix + '"]');
    if (!total || !template || !body) { return; }
    var index = parseInt(total.value, 10);
    body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    var first = body.lastElementChild.querySelector("input, select, textarea");
    if (first) { first.focus(); }
  });

  function drawBars(root) {
    root.querySelectorAll("[data-bar-width]").forEach(function (bar) {
      var width = parseFloat(bar.getAttribute("data-bar-width"));
      bar.style.width = (isFinite(width) ? Math.max(0, Math.min(100, width)) : 0) + "%";
    });
  }
  drawBars(document);
  document.addEventListener("htmx:afterSwap", function (event) { drawBars(event.target); });
})();
