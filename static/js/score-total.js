/* The expert's scoring page: the weighted total of the scores typed so far, Σ score × weight ÷ 100 to two decimals
   rounded half to even, as the server computes it (reviews.views_expert._weighted); the server's total of the saved
   scores is the one that counts. Each typed score's grading band is marked. Exact arithmetic in hundredths. */
(function () {
  var form = document.querySelector("form[data-running-total]");
  if (!form) { return; }
  var output = document.getElementById(form.getAttribute("data-running-total"));
  var inputs = form.querySelectorAll("input[data-weight]");
  if (!output || !inputs.length) { return; }

  function hundredths(text) {  // "87.5" -> 8750; null unless 0-100 with at most two decimals
    var match = /^\s*(\d{1,3})(?:\.(\d{1,2}))?\s*$/.exec(text || "");
    if (!match) { return null; }
    var value = parseInt(match[1], 10) * 100 + parseInt(((match[2] || "") + "00").slice(0, 2), 10);
    return value <= 10000 ? value : null;
  }

  function twoDecimals(sum) {  // sum of hundredths × hundredths (millionths of a point), half to even
    var whole = Math.floor(sum / 10000), rest = sum - whole * 10000;
    if (rest > 5000 || (rest === 5000 && whole % 2 === 1)) { whole += 1; }
    var cents = String(whole % 100);
    return Math.floor(whole / 100) + "." + (cents.length < 2 ? "0" + cents : cents);
  }

  function markBand(input, value) {
    var fieldset = input.closest("[data-criterion]");
    if (!fieldset) { return; }
    fieldset.querySelectorAll("[data-band-low]").forEach(function (band) {
      var low = hundredths(band.getAttribute("data-band-low")), high = hundredths(band.getAttribute("data-band-high"));
      var current = value !== null && low !== null && high !== null && low <= value && value <= high;
      band.classList.toggle("table-primary", current);
      if (current) { band.setAttribute("aria-current", "true"); } else { band.removeAttribute("aria-current"); }
    });
  }

  function update() {
    var sum = 0, counted = 0;
    inputs.forEach(function (input) {
      var value = hundredths(input.value), weight = hundredths(input.getAttribute("data-weight"));
      markBand(input, value);
      if (value === null || weight === null) { return; }
      sum += value * weight;
      counted += 1;
    });
    output.textContent = counted ? twoDecimals(sum) : "—";
  }

  form.addEventListener("input", update);
  update();
})();
