/* Progress for slow documents (PDFs, exports): a link with data-loading="…" shows that text and is
   disabled once clicked, then comes back after a few seconds (a download does not leave the page). */
(function () {
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-loading]");
    if (!link) { return; }
    if (link.getAttribute("aria-disabled") === "true") { event.preventDefault(); return; }
    var label = link.innerHTML;
    link.setAttribute("aria-disabled", "true");
    link.setAttribute("aria-busy", "true");
    link.classList.add("disabled");
    link.textContent = link.getAttribute("data-loading");
    window.setTimeout(function () {
      link.innerHTML = label;
      link.removeAttribute("aria-disabled");
      link.removeAttribute("aria-busy");
      link.classList.remove("disabled");
    }, 6000);
  });
})();
