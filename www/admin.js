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

// A secret in a read-only field is one value: focus, a click or a double
// click selects all of it (a double click alone would stop at the + or =
// of a whsec_ secret).
document.querySelectorAll("input.secret[readonly]").forEach(function (f) {
  var all = function () { f.select(); };
  f.addEventListener("focus", all);
  f.addEventListener("click", all);
  f.addEventListener("dblclick", all);
});

// The event picker of the endpoint form: the line of chosen events and
// each category's count follow the boxes; an "all of" box ticks and locks
// its category (the pattern covers them, so they are not sent); the
// filter box, shown only here, narrows the list.
(function () {
  var form = document.querySelector("form.endpoint-form");
  var chosen = document.getElementById("events-chosen");
  if (!form || !chosen) return;
  var boxes = form.querySelectorAll("input[name=events]");
  var cats = form.querySelectorAll("details.category");

  var inCat = function (d) { return d.querySelectorAll("input[data-in]"); };

  var refresh = function () {
    var picked = [];
    boxes.forEach(function (b) { if (b.checked && !b.disabled) picked.push(b.value); });
    chosen.textContent = "";
    if (picked.length === 0) {
      chosen.textContent = "No events chosen yet.";
    } else {
      var s = document.createElement("strong");
      s.textContent = picked.length + " chosen:";
      chosen.appendChild(s);
      picked.forEach(function (v, i) {
        chosen.appendChild(document.createTextNode(i ? ", " : " "));
        var c = document.createElement("code");
        c.textContent = v;
        chosen.appendChild(c);
      });
    }
    cats.forEach(function (d) {
      var all = d.querySelector("input[data-all-of]");
      var items = inCat(d), n = 0;
      items.forEach(function (i) { if (i.checked) n++; });
      d.querySelector(".cat-count").textContent = all && all.checked ?
        "all " + items.length + " chosen" : n ? n + " of " + items.length + " chosen" :
        items.length + (items.length === 1 ? " type" : " types");
    });
  };

  var tie = function (all) {
    var d = all.closest("details.category");
    if (!d) return;
    inCat(d).forEach(function (i) {
      if (all.checked) {
        if (!i.disabled) i.setAttribute("data-was", i.checked ? "1" : "");
        i.checked = true;
        i.disabled = true;
      } else if (i.disabled) {
        i.checked = i.getAttribute("data-was") === "1";
        i.disabled = false;
      }
    });
  };

  boxes.forEach(function (b) {
    b.addEventListener("change", function () {
      if (b.hasAttribute("data-all-of")) tie(b);
      refresh();
    });
    if (b.hasAttribute("data-all-of") && b.checked) tie(b);
  });
  refresh();

  var wrap = form.querySelector(".event-filter");
  var box = document.getElementById("event-filter");
  if (!wrap || !box) return;
  wrap.hidden = false;
  var before = null;
  box.addEventListener("keydown", function (e) {
    if (e.key === "Enter") e.preventDefault();   // not a Save
  });
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase();
    if (q && before === null) {
      before = [];
      cats.forEach(function (d) { before.push(d.open); });
    }
    cats.forEach(function (d, k) {
      var name = (d.getAttribute("data-category") || "").toLowerCase();
      var whole = q !== "" && name.indexOf(q) !== -1, any = whole;
      d.querySelectorAll(".event-list li").forEach(function (li) {
        var hit = !q || whole || li.textContent.toLowerCase().indexOf(q) !== -1;
        li.hidden = !hit;
        if (hit && q) any = true;
      });
      d.hidden = q !== "" && !any;
      if (q) d.open = any;
      else if (before !== null) d.open = before[k];
    });
    if (!q) before = null;
  });
})();

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
