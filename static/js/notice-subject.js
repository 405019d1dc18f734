/* Opening a publicity notice: the subject decides which list the notice takes, inspected applications or accepted
   laboratories. The form names its subject field in data-subject-field. */
(function () {
  var form = document.querySelector("form[data-subject-field]");
  if (!form) { return; }
  var radios = form.querySelectorAll('input[name="' + form.getAttribute("data-subject-field") + '"]');
  function show() {
    var chosen = Array.prototype.find.call(radios, function (r) { return r.checked; });
    var subject = chosen ? chosen.value : "applications";
    form.querySelectorAll("[data-subject-section]").forEach(function (section) {
      section.hidden = section.getAttribute("data-subject-section") !== subject;
    });
  }
  radios.forEach(function (r) { r.addEventListener("change", show); });
  show();
})();
