/*
 * incidentmap page script: draws the incident map from its JSON data block.
 *
 * The data (see geo/webmap/data.py) holds every string once, in `s`, and
 * the incidents and claims column by column.  Everything shown is built
 * here with DOM calls and textContent, never by parsing markup: article
 * text is untrusted.  Markers go on a canvas (thousands draw in milliseconds);
 * panels are <details> boxes that fold out of the way on small screens and
 * step aside while a popup is open.
 */
(function (global) {
  "use strict";

  var VERSION = 2;
  if (global.incidentmap && global.incidentmap.version === VERSION) { return; }
  var maps = {};

  // -- DOM helpers (text only) ------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function line(parent, label, value) {
    var p = add(parent, el("p"));
    add(p, el("b", "", label + ": "));
    p.appendChild(document.createTextNode(String(value)));
    return p;
  }
  function status(container, message) {
    var old = container.querySelector(".im-status");
    if (old) { old.parentNode.removeChild(old); }
    if (message) { add(container, el("p", "im-status im-error", message)).setAttribute("role", "alert"); }
  }

  // -- reading the data block -----------------------------------------------------

  function readData(block) {
    var raw = block.textContent;
    if (block.getAttribute("data-encoding") !== "gzip-base64") {
      return Promise.resolve(JSON.parse(raw));
    }
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error(
        "this browser cannot unpack the map's data (it needs DecompressionStream: " +
        "Chrome 80, Firefox 113, Safari 16.4 or newer)"));
    }
    var binary = atob(raw);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  // -- text -----------------------------------------------------------------------

  function range(low, high) {
    return low === high ? String(low) : low + "\u2013" + high;
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // "11 civilians, 6 militants killed; reports 5–11 civilians", from the
  // incident's reconciled figures by side (k: role, low, best, high, ...).
  function tollText(d, i) {
    var k = d.inc.k[i], sides = [], ranges = [];
    for (var j = 0; j < k.length; j += 4) {
      var noun = d.roles[k[j]][1];
      if (k[j + 2] !== null) { sides.push(k[j + 2] + " " + noun); }
      if (k[j + 1] !== null && k[j + 3] !== null && k[j + 1] !== k[j + 3]) {
        ranges.push(range(k[j + 1], k[j + 3]) + " " + noun);
      }
    }
    if (!sides.length) {
      var best = d.inc.kb[i][1];
      return best === null ? "toll not reported" : best + " killed";
    }
    return sides.join(", ") + " killed" + (ranges.length ? "; reports " + ranges.join(", ") : "");
  }
  function otherText(d, i) {
    var x = d.inc.x[i], parts = [];
    if (x[0] !== null) { parts.push(x[0] + " injured"); }
    if (x[1] !== null) { parts.push(x[1] + " abducted"); }
    return parts.join(", ");
  }
  function valueText(d, c) {
    var cl = d.cl, q = d.s[cl.q[c]];
    var number = cl.lo[c] === null ? "?" : range(cl.lo[c], cl.hi[c] === null ? cl.lo[c] : cl.hi[c]);
    return q ? q + " " + number : number;
  }
  function articleLabel(d, a) {
    var art = d.art, s = d.s;
    var head = [s[art.outlet[a]], s[art.pub[a]]].filter(Boolean).join(", ");
    var name = s[art.title[a]] || s[art.file[a]] || s[art.id[a]];
    return head ? head + ": " + name : name;
  }

  // -- popup ------------------------------------------------------------------------

  function claimsTable(parent, d, i) {
    var cl = d.cl, start = cl.cl0[i], end = cl.cl0[i + 1];
    if (start === end) {
      add(parent, el("p", "im-note", "No casualty figures reported."));
      return;
    }
    var table = add(parent, el("table", "im-claims"));
    var head = add(table, el("tr"));
    ["Figure", "Value", "Who says so", "Outlet"].forEach(function (h) {
      add(head, el("th", "", h));
    });
    var quoted = null;
    for (var c = start; c < end; c++) {
      var key = cl.a[c] + "/" + cl.sent[c];
      if (cl.sent[c] && key !== quoted) {
        var cell = add(add(table, el("tr", "im-quote")), el("td"));
        cell.setAttribute("colspan", "4");
        add(cell, el("blockquote", "", d.s[cl.sent[c]]));
        quoted = key;
      }
      var row = add(table, el("tr", "im-claim"));
      var figure = d.roles[cl.ro[c]][1] + " " + d.figures[cl.f[c]];
      var who = d.s[cl.who[c]] + " (" + d.kinds[cl.kd[c]][1] + ")";
      var outlet = cl.a[c] >= 0 ? d.s[d.art.outlet[cl.a[c]]] : "";
      [figure, valueText(d, c), who, outlet].forEach(function (text) {
        add(row, el("td", "", text));
      });
    }
  }
  function sources(parent, d, i) {
    var ids = d.inc.src[i];
    if (!ids.length) { return; }
    add(add(parent, el("p")), el("b", "", "Sources"));
    var list = add(parent, el("ul", "im-sources"));
    ids.forEach(function (a) {
      var item = add(list, el("li"));
      if (a < 0) { item.textContent = "an article no longer in the store"; return; }
      var href = d.s[d.art.href[a]];
      if (href && /^https?:\/\//i.test(href)) {
        var link = add(item, el("a", "", articleLabel(d, a)));
        link.setAttribute("href", href);
        link.setAttribute("target", "_blank");
        link.setAttribute("rel", "noopener noreferrer");
      } else {
        var file = d.s[d.art.file[a]];
        var label = articleLabel(d, a);
        item.textContent = file && label.indexOf(file) < 0 ? label + " (" + file + ")" : label;
      }
    });
  }
  function popup(d, i) {
    var inc = d.inc, s = d.s;
    var root = el("div", "im-popup");
    root.setAttribute("data-incident-id", inc.id[i]);
    add(root, el("h4", "", s[inc.place[i]]));
    if (inc.where[i]) { add(root, el("p", "im-where", s[inc.where[i]])); }
    var date = s[inc.date[i]] || "date unknown";
    line(root, "Date", date + (s[inc.prec[i]] && s[inc.date[i]] ? " (" + s[inc.prec[i]] + ")" : ""));
    line(root, "Type", s[inc.types[i]] || "not stated");
    if (inc.target[i]) { line(root, "Target", s[inc.target[i]]); }
    var other = otherText(d, i);
    line(root, "Toll", tollText(d, i) + (other ? "; " + other : ""));
    claimsTable(root, d, i);
    sources(root, d, i);
    if (inc.notes[i]) { line(root, "Notes", s[inc.notes[i]]).className = "im-note"; }
    return root;
  }

  // -- panels -------------------------------------------------------------------------

  function panel(map, position, name, title, open) {
    var box = el("details", "im-box im-" + name);
    box.open = open;
    add(box, el("summary", "", title));
    var body = add(box, el("div", "im-body"));
    var control = L.control({position: position});
    control.onAdd = function () {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
    return body;
  }
  function swatch(colour, square) {
    var mark = el("span", "im-swatch" + (square ? " im-square" : ""));
    if (colour) { mark.style.background = colour; } else { mark.className += " im-empty"; }
    return mark;
  }
  function toggle(parent, map, layer, label, colour, square) {
    var row = add(parent, el("label", "im-toggle"));
    var box = add(row, el("input"));
    box.type = "checkbox";
    box.checked = true;
    box.addEventListener("change", function () {
      if (box.checked) { map.addLayer(layer); } else { map.removeLayer(layer); }
    });
    if (colour !== undefined) { row.appendChild(swatch(colour, square)); }
    row.appendChild(document.createTextNode(label));
    return row;
  }
  function keyPanel(map, d, groups, counts, districts, outline, open) {
    var body = panel(map, "topright", "key", d.title || "Map key", open);
    add(body, el("h5", "", "Attack type (incidents)"));
    d.types.forEach(function (t, n) {
      toggle(body, map, groups[n], t[1] + " (" + counts[n] + ")", t[2], false);
    });
    add(body, el("p", "im-note",
      "Circle area: people killed, best estimate."));
    if (d.unmapped) {
      add(body, el("p", "im-note", plural(d.unmapped, "incident") +
        " without coordinates not mapped (see incidents.csv)."));
    }
    if (districts) {
      add(body, el("h5", "", "Killed by district (best estimate)"));
      toggle(body, map, districts, "Districts", undefined);
      d.classes.forEach(function (c) {
        var row = add(body, el("div", "im-class"));
        row.appendChild(swatch(c[2], true));
        row.appendChild(document.createTextNode(range(c[0], c[1])));
      });
      var none = add(body, el("div", "im-class"));
      none.appendChild(swatch(null, true));
      none.appendChild(document.createTextNode("no toll reported"));
      add(body, el("p", "im-note", "Sum over its incidents (districts.csv)."));
    }
    if (outline) { toggle(body, map, outline, "Province outline", undefined); }
  }
  function areaPanel(map, d, open) {
    var area = d.area;
    if (!area) { return; }
    var body = panel(map, "bottomleft", "area", "Contested figures: " + area.area, open);
    var table = add(body, el("table", "im-contested"));
    var head = add(table, el("tr"));
    add(head, el("th", "", "Figure"));
    var party = false;
    area.cols.forEach(function (c) {
      var isParty = c[1] === "party";
      party = party || isParty;
      add(head, el("th", isParty ? "im-party" : "", c[0] + (isParty ? " *" : "")));
    });
    area.rows.forEach(function (r) {
      var row = add(table, el("tr"));
      var roleLabel = d.roles.filter(function (x) { return x[0] === r[1]; })[0];
      add(row, el("th", "", (roleLabel ? roleLabel[1] : r[1]) + " " + r[0]));
      r[2].forEach(function (v, n) {
        add(row, el("td", area.cols[n][1] === "party" ? "im-party" : "",
                    v ? range(v[0], v[1]) : "\u2013"));
      });
    });
    if (party) {
      add(body, el("p", "im-note", "* a party to the fight: its claim is shown, never " +
        "averaged in."));
    }
    add(body, el("p", "im-note", "Each figure as reported by whom; not summed or averaged." +
      (area.more ? " " + area.more + " more in areas.csv and claims.csv." : "")));
  }
  function timelinePanel(map, d, open) {
    if (!d.days.length && !d.undated) { return; }
    var body = panel(map, "bottomright", "timeline", "Incidents by date", open);
    var days = d.days;
    if (days.length) {
      var first = Date.parse(days[0][0]), last = Date.parse(days[days.length - 1][0]);
      var total = days.reduce(function (n, x) { return n + x[1]; }, 0);
      var span = days[0][0] === days[days.length - 1][0] ? days[0][0] :
        days[0][0] + " to " + days[days.length - 1][0];
      add(body, el("p", "", span + ": " + plural(total, "incident") + " on " +
        plural(days.length, "day")));
      var width = 240, height = 48, ns = "http://www.w3.org/2000/svg";
      var nDays = Math.round((last - first) / 864e5) + 1, slot = width / nDays;
      var bar = Math.min(12, Math.max(1, slot * 0.8));
      var top = Math.max.apply(null, days.map(function (x) { return x[1]; }));
      var svg = add(body, document.createElementNS(ns, "svg"));
      svg.setAttribute("width", width);
      svg.setAttribute("height", height + 1);
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", "Incidents per day, at most " + top + " on one day");
      var axis = add(svg, document.createElementNS(ns, "line"));
      axis.setAttribute("class", "im-axis");
      axis.setAttribute("x1", 0); axis.setAttribute("x2", width);
      axis.setAttribute("y1", height + 0.5); axis.setAttribute("y2", height + 0.5);
      days.forEach(function (x) {
        var offset = Math.round((Date.parse(x[0]) - first) / 864e5);
        var h = Math.max(1, height * x[1] / top);
        var rect = add(svg, document.createElementNS(ns, "rect"));
        rect.setAttribute("class", "im-bar");
        rect.setAttribute("x", Math.min(offset * slot + (slot - bar) / 2, width - bar));
        rect.setAttribute("y", height - h);
        rect.setAttribute("width", bar);
        rect.setAttribute("height", h);
        add(rect, document.createElementNS(ns, "title")).textContent =
          x[0] + ": " + plural(x[1], "incident");
      });
    }
    if (d.undated) { add(body, el("p", "im-note", d.undated + " undated")); }
  }

  // Panels step aside while a popup overlaps them, so a popup is never covered.
  function clearPopup(map, container) {
    function overlaps(a, b) {
      return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    }
    function update() {
      var open = container.querySelector(".leaflet-popup");
      var boxes = container.querySelectorAll(".im-box");
      var rect = open ? open.getBoundingClientRect() : null;
      Array.prototype.forEach.call(boxes, function (box) {
        box.classList.remove("im-aside");
        if (rect && overlaps(rect, box.getBoundingClientRect())) { box.classList.add("im-aside"); }
      });
    }
    map.on("popupopen popupclose moveend zoomend resize", function () {
      global.requestAnimationFrame(update);
    });
  }

  // Panels fit the map: open on a wide map, folded on a small one, never
  // taller than 40 % of it.
  function fitPanels(container) {
    var width = container.clientWidth, height = container.clientHeight;
    var boxes = container.querySelectorAll(".im-box .im-body");
    Array.prototype.forEach.call(boxes, function (body) {
      body.style.maxHeight = Math.max(80, Math.round(height * 0.4)) + "px";
      var widest = body.parentNode.classList.contains("im-area") ? 480 : 340;
      body.style.maxWidth = Math.max(160, Math.min(widest, Math.round(width * 0.42))) + "px";
    });
  }

  // -- the map ------------------------------------------------------------------------

  function draw(container, d) {
    var wide = container.clientWidth >= 1100 && container.clientHeight >= 750;
    var medium = container.clientWidth >= 700 && container.clientHeight >= 500;
    var map = L.map(container, {zoomSnap: 0.5});
    var markers = L.canvas({padding: 0.1, tolerance: 3});
    if (d.tiles) {
      var tiles = L.tileLayer(d.tiles.url, {
        attribution: d.tiles.attribution, maxZoom: d.tiles.max_zoom || 19
      });
      var warned = false;
      tiles.on("tileerror", function () {
        if (warned) { return; }
        warned = true;
        var note = L.control({position: "bottomleft"});
        note.onAdd = function () {
          return el("div", "im-box im-offline",
            "No basemap: its tiles need the network.");
        };
        note.addTo(map);
      });
      tiles.addTo(map);
    }
    L.control.scale().addTo(map);

    function pane(name, zIndex) {
      var node = map.createPane(name);
      node.style.zIndex = String(zIndex);
      return name;
    }
    var districts = null, outline = null;
    if (d.districts) {
      districts = L.geoJSON(d.districts, {
        pane: pane("imDistricts", 350),
        style: function (f) {
          var fill = f.properties.fill;
          return {color: "#666666", weight: 1, fillColor: fill || "#ffffff",
                  fillOpacity: fill ? 0.55 : 0.05};
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          var tip = p.name + " \u2014 " + (p.n ? plural(p.n, "incident") +
            (p.k === null ? ", toll not reported" : ", " + p.k + " killed") : "no incident mapped");
          layer.bindTooltip(function () { return el("span", "", tip); }, {sticky: true});
        }
      }).addTo(map);
    }
    if (d.outline) {
      outline = L.geoJSON(d.outline, {
        pane: pane("imOutline", 390), interactive: false,
        style: function () { return {color: "#333333", weight: 2.5, fill: false}; }
      }).addTo(map);
    }

    var groups = [], counts = [], byId = {};
    d.types.forEach(function () { groups.push(L.featureGroup()); counts.push(0); });
    var inc = d.inc;
    for (var i = 0; i < inc.id.length; i++) {
      var colour = d.types[inc.t[i]][2];
      var marker = L.circleMarker([inc.lat[i], inc.lon[i]], {
        renderer: markers, radius: inc.r[i], color: colour, weight: 1,
        fillColor: colour, fillOpacity: 0.6
      });
      marker.imIndex = i;
      groups[inc.t[i]].addLayer(marker);
      counts[inc.t[i]] += 1;
      byId[inc.id[i]] = marker;
    }
    // Leaflet adds ~40 px of frame and the pan keeps 20 px clear on each side.
    var popupWidth = Math.min(480, Math.max(180, container.clientWidth - 100));
    groups.forEach(function (group) {
      group.bindPopup(function (layer) { return popup(d, layer.imIndex); },
                      {maxWidth: popupWidth, autoPanPadding: [20, 20]});
      group.bindTooltip(function (layer) {
        return el("span", "", d.s[inc.place[layer.imIndex]] + " \u2014 " +
                  tollText(d, layer.imIndex));
      });
      group.addTo(map);
    });

    if (d.bounds) {
      map.fitBounds(d.bounds, {padding: [30, 30], maxZoom: 10, animate: false});
    } else {
      map.setView([28.5, 66.0], 6);
    }
    keyPanel(map, d, groups, counts, districts, outline, medium);
    areaPanel(map, d, wide);
    timelinePanel(map, d, wide);
    fitPanels(container);
    clearPopup(map, container);
    map.on("resize", function () { fitPanels(container); });

    maps[container.id] = {map: map, markers: byId, groups: groups, data: d};
    container.setAttribute("data-im-markers", String(inc.id.length));
    container.setAttribute("data-im-ready", "true");
    return map;
  }

  function start(id) {
    var container = document.getElementById(id);
    var block = document.getElementById(id + "-data");
    if (!container || !block) { return; }
    if (typeof L === "undefined") {
      status(container, "The map could not start: Leaflet, which this page links from its CDN, " +
        "did not load (no network?). Build the map without --cdn to open it offline.");
      return;
    }
    readData(block).then(function (d) {
      status(container, null);
      draw(container, d);
    }).catch(function (error) {
      status(container, "The map's data could not be read: " + error.message);
    });
  }

  global.incidentmap = {version: VERSION, start: start, maps: maps};
})(window);
