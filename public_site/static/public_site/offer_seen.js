/* The waitlist offer page tells the site it was seen, once it is shown in a browser.
 *
 * Mail scanners fetch every link in an email, so fetching the offer page counts nothing; this POST (a beacon,
 * with the page's CSRF token) counts the view, and the click on the email's link when the page came from it.
 * Without JavaScript nothing is counted, and accepting or declining works as before.
 */
document.addEventListener("DOMContentLoaded", function () {
  var marker = document.querySelector("[data-offer-seen]");
  if (!marker) {
    return;
  }
  var body = new FormData();
  body.append("csrfmiddlewaretoken", marker.getAttribute("data-csrf"));
  body.append("via", marker.getAttribute("data-via"));
  var url = marker.getAttribute("data-offer-seen");
  if (navigator.sendBeacon && navigator.sendBeacon(url, body)) {
    return;
  }
  fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true });
});
