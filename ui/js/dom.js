// Small helpers to build DOM nodes without innerHTML (user text is never parsed as HTML).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** The UI's locale: the system's, or en-US where it has none (the "C" locale). */
export const LOCALE = (() => {
  const lang = navigator.language;
  return lang && !/^c$|^posix$/i.test(lang) ? lang : "en-US";
})();

/** Append the given nodes, skipping null/undefined/false (absent optional parts). */
export function appendAll(parent, ...children) {
  parent.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return parent;
}

export function emptyState(title, text, ...extra) {
  return h("div", { class: "panel empty" }, h("strong", {}, title), h("p", {}, text), ...extra);
}

let toastTimer;
export function toast(message) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 3500);
}

/** Show a command error next to the input it concerns, or at the form's foot. */
export function showFormError(form, error) {
  clearFormErrors(form);
  const input = error.field ? form.querySelector(`[name="${CSS.escape(error.field)}"]`) : null;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    const msg = h("div", { class: "field-error", id: `${input.id}-error`, role: "alert" }, error.message);
    input.setAttribute("aria-describedby", msg.id);
    input.insertAdjacentElement("afterend", msg);
    input.focus();
  } else {
    form.append(h("div", { class: "form-error", role: "alert" }, error.message));
  }
}

export function clearFormErrors(form) {
  form.querySelectorAll(".field-error, .form-error").forEach((e) => e.remove());
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
}
