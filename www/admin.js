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

// <time datetime="...Z"> elements whose text is that UTC time: the text
// becomes relative to now ("3 h ago", "in 4 min"), kept current, and the
// title the time in the viewer's own zone.  Elements that already say
// something in words ("next retry in 4 min") only get the title.
(function () {
  var abs = new Intl.DateTimeFormat(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit',
    minute: '2-digit', second: '2-digit', timeZoneName: 'short',
  });
  var units = [[86400, ' day', ' days'], [3600, ' h', ' h'], [60, ' min', ' min'], [1, ' s', ' s']];
  function span(s) {
    for (var i = 0; i < units.length; i++) {
      if (s >= units[i][0]) {
        var n = Math.floor(s / units[i][0]);
        return n + (n === 1 ? units[i][1] : units[i][2]);
      }
    }
    return '0 s';
  }
  function relative(ms) {
    var s = Math.round(ms / 1000);
    if (Math.abs(s) < 5) return 'just now';
    return s > 0 ? 'in ' + span(s) : span(-s) + ' ago';
  }
  var times = [];
  document.querySelectorAll('time[datetime]').forEach(function (t) {
    var iso = t.getAttribute('datetime'), d = new Date(iso);
    if (isNaN(d.getTime())) return;
    t.title = abs.format(d) + ' · ' + iso;
    if (t.textContent.trim() === iso) times.push([t, d]);
  });
  function update() {
    var now = Date.now();
    times.forEach(function (x) { x[0].textContent = relative(x[1].getTime() - now); });
  }
  update();
  if (times.length) setInterval(update, 30000);
})();
