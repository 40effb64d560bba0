// Print buttons: <button data-print hidden> becomes visible and prints the page (without script
// the browser's own Print works the same; the print stylesheet hides the navigation).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
