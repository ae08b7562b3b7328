// Charts are drawn in Rust (plotters) and arrive as SVG text: this module only
// places them, and saves one as SVG, or as PNG drawn from the same SVG.

import { api } from "./api.js";
import { h, toast } from "./dom.js";

/** The theme the charts should be drawn in: the window's light or dark. */
export function theme() {
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** The width the page's content has for a chart, in CSS pixels. */
export function contentWidth() {
  const main = document.getElementById("page");
  const width = (main?.clientWidth ?? 900) - 2 * 28 - 2 * 18 - 2;
  return Math.max(320, Math.min(1100, Math.round(width)));
}

/** SVG text from the backend as a node (parsed as SVG, never as HTML). */
export function svgNode(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg") return h("p", { class: "muted" }, "This chart could not be shown.");
  return document.importNode(svg, true);
}

/** A PNG of the SVG at twice its size on the theme's background, as base64. */
export function toPng(text, background) {
  return new Promise((resolve, reject) => {
    const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
    const width = Number(svg.getAttribute("width")) || 800;
    const height = Number(svg.getAttribute("height")) || 300;
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = width * 2;
      canvas.height = height * 2;
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = background;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      try {
        resolve(canvas.toDataURL("image/png").split(",")[1]);
      } catch (e) { reject(e); }
    };
    img.onerror = () => reject(new Error("the chart could not be turned into a PNG"));
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  });
}

async function save(name, format, text) {
  try {
    const data = format === "svg"
      ? text
      : await toPng(text, getComputedStyle(document.body).getPropertyValue("--panel").trim() || "#ffffff");
    const path = await api.saveChart(name, format, data);
    if (path) toast(`Saved the chart to ${path}`);
  } catch (e) { toast(e.message); }
}

/** A panel with a chart, its title, an optional note and Save SVG / PNG buttons. */
export function chartPanel(id, title, text, name, ...note) {
  const box = h("div", { class: "chart", id: `${id}-svg` }, svgNode(text));
  const panel = h("div", { class: "panel chart-panel", id },
    h("div", { class: "chart-head" },
      h("h3", {}, title),
      h("span", { class: "chart-save" },
        h("button", { class: "link", "data-save": "svg", onclick: () => save(name, "svg", panel.dataset.svg) }, "Save SVG"),
        h("button", { class: "link", "data-save": "png", onclick: () => save(name, "png", panel.dataset.svg) }, "PNG"))),
    box, ...note);
  panel.dataset.svg = text;
  return panel;
}

/** Put new SVG text in a panel made by chartPanel. */
export function replaceChart(panel, text, title) {
  panel.dataset.svg = text;
  panel.querySelector(".chart").replaceChildren(svgNode(text));
  if (title) panel.querySelector("h3").textContent = title;
}
