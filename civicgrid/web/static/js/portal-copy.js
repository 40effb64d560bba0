// "Copy" buttons: <button data-copy="INPUT_ID" data-msg-copied="..."> copies that input's value;
// a [data-copy-status] element nearby says so. Hidden where the clipboard is not available.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copy);
    var status = button.parentNode.parentNode.querySelector("[data-copy-status]");
    if (!input) { return; }
    input.addEventListener("focus", function () { input.select(); });
    if (!(navigator.clipboard && window.isSecureContext)) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        if (status) { status.textContent = button.dataset.msgCopied; }
      });
    });
  });
})();
