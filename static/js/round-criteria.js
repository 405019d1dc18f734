/* Opening an expert round: the criteria set decides what the round scores, applications or laboratories at the
   stage it is made for. The select is named by the form's data-criteria-select; the purposes and the lab states come
   from json_script elements. */
(function () {
  var form = document.querySelector("form[data-criteria-select]");
  if (!form) { return; }
  var select = document.getElementById(form.getAttribute("data-criteria-select"));
  var purposesData = document.getElementById("criteria-purposes");
  var statesData = document.getElementById("lab-round-states");
  if (!select || !purposesData || !statesData) { return; }
  var purposes = JSON.parse(purposesData.textContent);
  var states = JSON.parse(statesData.textContent);
  function show() {
    var purpose = purposes[select.value] || "";
    var lab = purpose in states;
    form.querySelectorAll("[data-purpose-section]").forEach(function (section) {
      var wanted = section.getAttribute("data-purpose-section") === "lab" ? lab : purpose === "application";
      section.hidden = purpose !== "" && !wanted;
    });
    form.querySelectorAll("[data-lab-status]").forEach(function (row) {
      row.hidden = lab && states[purpose].indexOf(row.getAttribute("data-lab-status")) === -1;
    });
  }
  select.addEventListener("change", show);
  show();
})();
