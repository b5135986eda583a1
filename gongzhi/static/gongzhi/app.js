// Small behaviours shared by every page, as a static file (the Content-Security-Policy allows no inline script).
// A <select data-autosubmit> submits its form as soon as it changes (the form keeps a button for no-script).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
    el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
  }
});

// A <textarea data-maxchars="N"> shows how much has been typed against its limit, instead of the browser
// cutting pasted text silently; over the limit the count turns red and says by how much.
function gzCount(area) {
  var limit = parseInt(area.getAttribute("data-maxchars"), 10);
  var out = area.gzCounter;
  if (!out) {
    out = document.createElement("small");
    out.className = "hint counter";
    out.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", out);
    area.gzCounter = out;
  }
  var n = area.value.length;
  out.textContent = n > limit
    ? "已输入 " + n + "/" + limit + " 字，超出 " + (n - limit) + " 字，请删减"
    : "已输入 " + n + "/" + limit + " 字";
  out.classList.toggle("error", n > limit);
}
document.addEventListener("input", function (event) {
  if (event.target.matches && event.target.matches("textarea[data-maxchars]")) gzCount(event.target);
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("textarea[data-maxchars]").forEach(gzCount);
});
document.addEventListener("htmx:afterSwap", function () {
  document.querySelectorAll("textarea[data-maxchars]").forEach(gzCount);
});
