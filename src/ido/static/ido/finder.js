/*
 * The finder's two extras; the page is complete without them.
 * 1. "Use my location": shown only where the browser can tell where it is. Fills in the coordinates and sends the
 *    form; the position goes to this site only, rounded to about 100 m, for this one search.
 * 2. The map: drawn only when the page has a tile server (data-tiles) and the places to show (a JSON block).
 *    Plain tiles and numbered markers matching the numbered list; hidden from screen readers, as the list has it all.
 */
(function () {
  "use strict";

  function nearMe() {
    var form = document.getElementById("near-me");
    if (!form || !("geolocation" in navigator)) return;
    var button = form.querySelector("button");
    var status = document.getElementById("near-me-status");
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      if (form.elements.lat.value) return;
      event.preventDefault();
      status.textContent = button.dataset.busy;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude.toFixed(3);
          form.elements.lon.value = position.coords.longitude.toFixed(3);
          form.submit();
        },
        function () {
          status.textContent = button.dataset.failed;
          button.disabled = false;
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  var TILE = 256;

  function worldPixel(lat, lon, zoom) {
    var scale = TILE * Math.pow(2, zoom);
    var sin = Math.sin((lat * Math.PI) / 180);
    return {
      x: ((lon + 180) / 360) * scale,
      y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale,
    };
  }

  function drawMap() {
    var map = document.querySelector(".map[data-tiles]");
    var data = document.getElementById("map-points");
    if (!map || !data) return;
    var points = JSON.parse(data.textContent);
    if (!points.length) return;
    var width = map.clientWidth, height = map.clientHeight, margin = 40, zoom = 16;
    for (; zoom > 5; zoom--) {
      var a = worldPixel(Math.max.apply(null, points.map(function (p) { return p.lat; })), Math.min.apply(null, points.map(function (p) { return p.lon; })), zoom);
      var b = worldPixel(Math.min.apply(null, points.map(function (p) { return p.lat; })), Math.max.apply(null, points.map(function (p) { return p.lon; })), zoom);
      if (b.x - a.x <= width - 2 * margin && b.y - a.y <= height - 2 * margin) break;
    }
    var lats = points.map(function (p) { return p.lat; }), lons = points.map(function (p) { return p.lon; });
    var topLeft = worldPixel(Math.max.apply(null, lats), Math.min.apply(null, lons), zoom);
    var bottomRight = worldPixel(Math.min.apply(null, lats), Math.max.apply(null, lons), zoom);
    var originX = (topLeft.x + bottomRight.x) / 2 - width / 2;
    var originY = (topLeft.y + bottomRight.y) / 2 - height / 2;
    var template = map.dataset.tiles, count = Math.pow(2, zoom);
    for (var tx = Math.floor(originX / TILE); tx * TILE < originX + width; tx++) {
      for (var ty = Math.floor(originY / TILE); ty * TILE < originY + height; ty++) {
        if (ty < 0 || ty >= count) continue;
        var img = document.createElement("img");
        img.alt = "";
        img.width = TILE;
        img.height = TILE;
        img.src = template.replace("{z}", zoom).replace("{x}", ((tx % count) + count) % count).replace("{y}", ty);
        img.style.left = tx * TILE - originX + "px";
        img.style.top = ty * TILE - originY + "px";
        map.appendChild(img);
      }
    }
    points.forEach(function (point) {
      var spot = worldPixel(point.lat, point.lon, zoom);
      var marker = document.createElement("span");
      marker.className = "map__marker";
      marker.title = point.name;
      marker.style.left = spot.x - originX + "px";
      marker.style.top = spot.y - originY + "px";
      var label = document.createElement("span");
      label.textContent = String(point.number);
      marker.appendChild(label);
      map.appendChild(marker);
    });
    var credit = document.createElement("span");
    credit.className = "map__attribution";
    credit.textContent = map.dataset.attribution || "";
    map.appendChild(credit);
    map.hidden = false;
  }

  function start() {
    nearMe();
    drawMap();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
