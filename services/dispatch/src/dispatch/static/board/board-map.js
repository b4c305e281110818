// The board's map: requests and clinicians as an SVG scatter on the county's easting/northing grid
// (1 unit = 1 km, north up). Drawn with DOM calls only; text goes in <title> as text.
"use strict";

window.BoardMap = (function () {
  const SVG_NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, title) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (title) {
      const t = document.createElementNS(SVG_NS, "title");
      t.textContent = title;
      node.append(t);
    }
    return node;
  }

  function draw(map, snapshot, stateOf) {
    const b = snapshot.bounds;
    const width = (b.max_easting - b.min_easting) / 1000;
    const height = (b.max_northing - b.min_northing) / 1000;
    const x = (e) => ((e - b.min_easting) / 1000).toFixed(2);
    const y = (n) => ((b.max_northing - n) / 1000).toFixed(2);
    map.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const nodes = [svg("rect", { class: "county", x: 0, y: 0, width, height })];
    for (let k = 10; k < Math.max(width, height); k += 10) {
      if (k < width) nodes.push(svg("line", { class: "grid", x1: k, y1: 0, x2: k, y2: height }));
      if (k < height) nodes.push(svg("line", { class: "grid", x1: 0, y1: k, x2: width, y2: k }));
    }
    const where = new Map(snapshot.requests.map((r) => [r.id, r]));
    for (const c of snapshot.clinicians) {
      const job = c.request_id && where.get(c.request_id);
      if (job) {
        nodes.push(
          svg("line", {
            class: "route",
            x1: x(c.easting),
            y1: y(c.northing),
            x2: x(job.easting),
            y2: y(job.northing),
          }),
        );
      }
    }
    for (const r of snapshot.requests) {
      nodes.push(
        svg(
          "circle",
          {
            class: "request-mark state-" + stateOf(r),
            "data-request-id": r.id,
            cx: x(r.easting),
            cy: y(r.northing),
            r: 1.3,
          },
          `${r.id}: ${r.reason} (${r.status})`,
        ),
      );
    }
    // Clinicians on top: a clinician on scene sits on the patient's dot and must stay visible.
    for (const c of snapshot.clinicians) {
      nodes.push(
        svg(
          "rect",
          {
            class: "clinician-mark status-" + c.status,
            "data-clinician-id": c.id,
            x: (x(c.easting) - 0.8).toFixed(2),
            y: (y(c.northing) - 0.8).toFixed(2),
            width: 1.6,
            height: 1.6,
          },
          `${c.id} (${c.status})`,
        ),
      );
    }
    map.replaceChildren(...nodes);
  }

  return { draw };
})();
