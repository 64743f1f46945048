/* The sign-up form's only script, an enhancement: the time zone starts as the browser's own, unless the visitor
 * has chosen one already (the form came back with errors, or they changed it). CSP allows no inline scripts. */
document.addEventListener("DOMContentLoaded", function () {
  var select = document.querySelector("select[data-browser-timezone]");
  if (!select || select.getAttribute("data-chosen") === "1") {
    return;
  }
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  for (var index = 0; index < select.options.length; index++) {
    if (select.options[index].value === zone) {
      select.value = zone;
      return;
    }
  }
});
