// Progressive enhancement for the admin pages: everything works without
// this file.  A button with data-copy="ID" (rendered hidden) copies the
// value of the field with that id.
document.querySelectorAll("button[data-copy]").forEach(function (btn) {
  var field = document.getElementById(btn.getAttribute("data-copy"));
  if (!field) return;
  btn.hidden = false;
  btn.addEventListener("click", function () {
    var done = function () { btn.textContent = "Copied"; };
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        if (document.execCommand("copy")) done();
      });
    } else if (document.execCommand("copy")) {
      done();
    }
  });
});
