/* The booking site's only script of its own, and only an enhancement: every page works without it.
 *
 * htmx swaps in a new date picker (#picker) when the client moves to another month or picks a day; the link
 * they used is gone with the old one, and keyboard and screen-reader users would be left nowhere. Focus
 * moves to the heading of what changed instead: the month, or the day's free times (the picker's
 * data-focus names it).
 */
document.addEventListener("htmx:afterSettle", function (event) {
  var picker = event.target;
  if (!picker || picker.id !== "picker" || !picker.isConnected) {
    return;
  }
  var heading = document.getElementById(picker.getAttribute("data-focus"));
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
});
