// Small behaviours shared by every page, as a static file (the Content-Security-Policy allows no inline script).
// A <select data-autosubmit> submits its form as soon as it changes (the form keeps a button for no-script).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
    el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
  }
});
