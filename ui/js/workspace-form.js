// The workspace form, used on first launch and in Settings.

import { h, showFormError, clearFormErrors } from "./dom.js";

const COMMON_CURRENCIES = ["USD", "EUR", "GBP", "INR", "CAD", "AUD", "SGD", "AED", "JPY", "BRL", "MXN", "ZAR"];

function row(id, label, input, help) {
  const parts = [h("label", { for: id }, label), input];
  if (help) parts.push(h("div", { class: "help" }, help));
  return parts;
}

/**
 * A form for a workspace. `initial` fills it (editing); `onSubmit(input)` saves
 * and may throw a CommandError, which is shown next to its field.
 */
export function workspaceForm({ initial = null, submitLabel, onSubmit, full = true }) {
  const zone = initial?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
  const currency = initial?.currency ?? "USD";
  const currencies = COMMON_CURRENCIES.includes(currency) ? COMMON_CURRENCIES : [currency, ...COMMON_CURRENCIES];
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [zone];
  if (!zones.includes(zone)) zones.unshift(zone);

  const form = h("form", { class: "grid", id: "workspace-form", novalidate: true },
    ...row("ws-name", "Name", h("input", { id: "ws-name", name: "name", required: true, value: initial?.name ?? "", autocomplete: "off", placeholder: "My shop" })),
    ...row("ws-timezone", "Time zone", h("select", { id: "ws-timezone", name: "timezone" },
      ...zones.map((z) => h("option", { value: z, selected: z === zone }, z))), "Days start and end at midnight here (DST included)."),
    ...row("ws-currency", "Currency", h("select", { id: "ws-currency", name: "currency" },
      ...currencies.map((c) => h("option", { value: c, selected: c === currency }, c))), "A connected Shopify store sets this to the shop's currency."),
  );
  if (full) {
    form.append(
      ...row("ws-cogs", "Default COGS %", h("input", { id: "ws-cogs", name: "default_cogs_percent", inputmode: "decimal", value: initial?.default_cogs_percent ?? "", placeholder: "e.g. 40" }),
        "Estimated cost of goods as % of price, for products with no cost. Leave empty for no estimate."),
      ...row("ws-fee-pct", "Payment fee %", h("input", { id: "ws-fee-pct", name: "payment_fee_percent", inputmode: "decimal", value: initial?.payment_fee_percent ?? "0" })),
      ...row("ws-fee-fixed", "Payment fee per order", h("input", { id: "ws-fee-fixed", name: "payment_fee_fixed", inputmode: "decimal", value: initial?.payment_fee_fixed ?? "0" })),
    );
  }
  const save = h("button", { class: "primary", type: "submit", id: "ws-save" }, submitLabel);
  form.append(h("span"), h("div", { class: "actions" }, save));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFormErrors(form);
    const data = Object.fromEntries(new FormData(form));
    const input = {
      name: data.name ?? "",
      timezone: data.timezone,
      currency: data.currency,
    };
    if (full) {
      // An emptied COGS field clears the estimate.
      input.default_cogs_percent = data.default_cogs_percent.trim() === "" ? "none" : data.default_cogs_percent;
      input.payment_fee_percent = data.payment_fee_percent;
      input.payment_fee_fixed = data.payment_fee_fixed;
    }
    save.disabled = true;
    try {
      await onSubmit(input);
    } catch (err) {
      showFormError(form, err);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}
