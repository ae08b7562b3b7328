// The window shown when the desktop app cannot open its data: the reason and
// what to do, handed over in the address's fragment as JSON. It calls nothing.

const { message, advice } = JSON.parse(decodeURIComponent(location.hash.slice(1)) || "{}");
document.getElementById("message").textContent = message ?? "An unknown error stopped Pulseboard.";
const list = document.getElementById("advice");
for (const line of advice ?? []) {
  const li = document.createElement("li");
  li.textContent = line;
  list.append(li);
}
