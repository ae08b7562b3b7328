// The window shown when the desktop app cannot open its data: the reason and
// what to do, handed over in the address's fragment as JSON, and for a
// damaged database a button that restores the newest good backup.

import { api } from "./api.js";

const { message, advice, backup } = JSON.parse(decodeURIComponent(location.hash.slice(1)) || "{}");
document.getElementById("message").textContent = message ?? "An unknown error stopped Pulseboard.";
const list = document.getElementById("advice");
for (const line of advice ?? []) {
  const li = document.createElement("li");
  li.textContent = line;
  list.append(li);
}

if (backup) {
  const button = document.getElementById("restore");
  const state = document.getElementById("restore-state");
  button.hidden = false;
  button.title = backup;
  button.addEventListener("click", async () => {
    button.disabled = true;
    state.textContent = "Restoring…";
    try {
      await api.restoreAtStart();
      state.textContent = "Restored. Starting Pulseboard…";
    } catch (e) {
      state.textContent = e.message;
      button.disabled = false;
    }
  });
}
