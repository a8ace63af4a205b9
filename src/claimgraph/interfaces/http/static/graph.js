// The graph explorer and the CONSTRUCT drawing of the query editor: Cytoscape.js with fcose when present.
"use strict";
const KIND_COLOURS = {Claim: "#5b6cff", Model: "#1f9d55", Method: "#d97706", Benchmark: "#0e7490",
                      Organization: "#7c3aed", Event: "#b91c1c", Metric: "#64748b", Resource: "#94a3b8"};
const KIND_SHAPES = {Claim: "round-rectangle", Model: "ellipse", Method: "diamond", Benchmark: "barrel",
                     Organization: "hexagon", Event: "star", Metric: "triangle", Resource: "ellipse"};

function claimgraphStyle() {
  return [
    {selector: "node", style: {"label": "data(label)", "font-size": 9, "text-wrap": "ellipsis", "text-max-width": 120,
      "background-color": n => KIND_COLOURS[n.data("kind")] || "#94a3b8", "shape": n => KIND_SHAPES[n.data("kind")] || "ellipse",
      "width": n => n.data("kind") === "Claim" ? 18 : 26, "height": n => n.data("kind") === "Claim" ? 14 : 26}},
    {selector: "node[?conflicted]", style: {"border-width": 3, "border-color": "#dc2626"}},
    {selector: "node[?centre]", style: {"border-width": 4, "border-color": "#0f172a"}},
    {selector: "edge", style: {"label": "data(label)", "font-size": 7, "curve-style": "bezier", "width": 1,
      "target-arrow-shape": "triangle", "line-color": "#cbd5e1", "target-arrow-color": "#cbd5e1", "color": "#64748b"}},
    {selector: "edge[?conflict]", style: {"line-color": "#dc2626", "target-arrow-color": "#dc2626", "width": 2.5,
      "color": "#dc2626"}},
  ];
}

function claimgraphLayout() {
  return (typeof cytoscapeFcose !== "undefined" || (window.cytoscape && cytoscape.__fcose))
    ? {name: "fcose", animate: false, randomize: true, nodeRepulsion: 6000, idealEdgeLength: 80}
    : {name: "cose", animate: false};
}

function claimgraphDraw(container, elements) {
  if (window.cytoscapeFcose && !cytoscape.__fcose) { cytoscape.use(cytoscapeFcose); cytoscape.__fcose = true; }
  const cy = cytoscape({container, elements, style: claimgraphStyle(), wheelSensitivity: 0.3});
  cy.layout(claimgraphLayout()).run();
  window.claimgraphCy = cy;  // for people poking at it in the console, and for the browser tests
  return cy;
}

function claimgraphExplorer() {
  const form = document.getElementById("controls");
  const status = document.getElementById("status");
  const params = () => {
    const p = new URLSearchParams();
    for (const name of ["around", "depth", "stance", "dossier", "benchmark"]) {
      const v = document.getElementById(name).value.trim();
      if (v) p.set(name, v);
    }
    for (const box of form.querySelectorAll("input[name=kind]")) if (box.checked) p.append("kind", box.value);
    return p;
  };
  async function load() {
    const p = params();
    history.replaceState(null, "", "/graph?" + p.toString());
    status.textContent = "Loading…";
    const response = await fetch("/graph.json?" + p.toString(), {headers: {Accept: "application/json"}});
    const body = await response.json();
    if (!response.ok) { status.textContent = body.detail || "Cannot draw this graph."; return; }
    const cy = claimgraphDraw(document.getElementById("cy"), body.elements);
    status.textContent = `${body.nodes} nodes, ${body.edges} edges` + (body.around ? ` around ${body.around_label}` : "");
    const labels = document.getElementById("labels");
    labels.innerHTML = "";
    cy.nodes().forEach(n => { const o = document.createElement("option"); o.value = n.data("label"); labels.appendChild(o); });
    cy.on("tap", "node", event => {
      const node = event.target;
      if (event.originalEvent && event.originalEvent.shiftKey) {
        document.getElementById("around").value = node.id(); load();
      } else {
        window.location.href = node.data("path");
      }
    });
  }
  form.addEventListener("submit", event => { event.preventDefault(); load(); });
  document.getElementById("search").addEventListener("change", event => {
    const cy = window.claimgraphCy; if (!cy) return;
    const wanted = event.target.value.toLowerCase();
    const hit = cy.nodes().filter(n => (n.data("label") || "").toLowerCase().includes(wanted));
    cy.elements().unselect(); hit.select();
    if (hit.length) cy.animate({fit: {eles: hit, padding: 60}}, {duration: 300});
    status.textContent = `${hit.length} node(s) match “${event.target.value}”`;
  });
  load();
}
