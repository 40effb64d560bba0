// Submit a form when a control marked data-autosubmit changes (the language switcher).
document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
  el.addEventListener("change", function () { el.form.submit(); });
});
