// The branding settings' live contrast check: as the colour or the button style changes, the preview takes
// them and the note says which text colour buttons get and its contrast (the WCAG rule of
// public_site/branding.py). Without JavaScript the "Preview" button asks the server for the same.
(function () {
  "use strict";
  var form = document.querySelector("[data-branding-form]");
  var preview = document.querySelector("[data-contrast-preview]");
  var result = document.querySelector("[data-contrast-result]");
  if (!form || !preview || !result) { return; }
  var colourInput = form.querySelector("input[name=primary_colour]");
  var styleInput = form.querySelector("select[name=button_style]");
  var radii = { rounded: "0.5rem", square: "0", pill: "999px" };
  var minimum = parseFloat(result.getAttribute("data-minimum"));

  function luminance(hex) {
    var channels = [1, 3, 5].map(function (start) {
      var value = parseInt(hex.substr(start, 2), 16) / 255;
      return value <= 0.04045 ? value / 12.92 : Math.pow((value + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }
  function contrast(first, second) {
    var a = luminance(first), b = luminance(second);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  function update() {
    var colour = (colourInput.value || "").toLowerCase();
    if (!/^#[0-9a-f]{6}$/.test(colour)) { return; }
    var onWhite = contrast(colour, "#ffffff"), onBlack = contrast(colour, "#000000");
    var white = onWhite >= onBlack;
    var ratio = white ? onWhite : onBlack;
    var text = white ? "#ffffff" : "#000000";
    preview.style.setProperty("--brand", colour);
    preview.style.setProperty("--brand-hover", colour);
    preview.style.setProperty("--on-brand", text);
    preview.style.setProperty("--on-brand-hover", text);
    if (styleInput && radii[styleInput.value]) {
      preview.style.setProperty("--button-radius", radii[styleInput.value]);
    }
    var message = result.getAttribute(white ? "data-white" : "data-black") || "";
    result.textContent = message.replace("{ratio}", ratio.toFixed(2));
    result.classList.toggle("notice--success", ratio >= minimum);
    result.classList.toggle("notice--error", ratio < minimum);
  }
  colourInput.addEventListener("input", update);
  if (styleInput) { styleInput.addEventListener("change", update); }
})();
