/* The public objection form: show only the real-name section of the kind of objector chosen (the server checks
   regardless). */
(function () {
  var form = document.querySelector(".portal-objection-form");
  if (!form) { return; }
  var radios = form.querySelectorAll('input[name="objector_kind"]');
  var sections = form.querySelectorAll("[data-objector]");
  function update() {
    var chosen = form.querySelector('input[name="objector_kind"]:checked');
    sections.forEach(function (section) {
      var show = chosen && section.getAttribute("data-objector") === chosen.value;
      section.hidden = !show;
      section.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !show;
        if (input.type !== "checkbox") { input.required = show; }
      });
    });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
