// The scheduler's pages work without this file; it shows only the form
// fields the chosen kind of schedule uses and asks before a delete.
document.addEventListener("DOMContentLoaded", function () {
  var kind = document.getElementById("kind");
  if (kind) {
    var apply = function () {
      document.querySelectorAll("[data-kinds]").forEach(function (el) {
        el.hidden = el.getAttribute("data-kinds").split(" ").indexOf(kind.value) < 0;
      });
    };
    kind.addEventListener("change", apply);
    apply();
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        ev.preventDefault();
      }
    });
  });
});
