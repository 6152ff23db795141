/// The status page: static HTML and a little JS, served from the binary. It asks
/// /api/v1/streams every two seconds and draws a tile per camera (its state in colour, since
/// when, fps in/out, share upscaled, latency, last error). Text goes in with textContent only:
/// a camera name or an error message is never markup.
enum StatusPage {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>vsr stream</title>
    <style>
      body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #111; color: #ddd; }
      header { padding: 12px 16px; background: #1c1c1c; display: flex; gap: 16px; align-items: baseline; }
      header h1 { font-size: 18px; margin: 0; }
      #summary { color: #aaa; }
      #tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 12px; padding: 16px; }
      .tile { background: #1c1c1c; border-radius: 6px; padding: 12px; border-left: 6px solid #666; }
      .tile h2 { font-size: 16px; margin: 0 0 4px; overflow-wrap: anywhere; }
      .state { font-weight: 600; text-transform: uppercase; font-size: 12px; letter-spacing: .05em; }
      .live { border-color: #2e9d4b; } .live .state { color: #4cd26f; }
      .stale { border-color: #d8a31a; } .stale .state { color: #f0c040; }
      .reconnecting, .starting { border-color: #3c7fd8; } .reconnecting .state, .starting .state { color: #6aa8ff; }
      .down { border-color: #d23c3c; } .down .state { color: #ff6b6b; }
      .stopped { border-color: #777; } .stopped .state { color: #aaa; }
      dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 8px 0 0; }
      dt { color: #999; } dd { margin: 0; }
      .error { color: #ff9b9b; margin-top: 6px; font-size: 12px; overflow-wrap: anywhere; }
      #problem { color: #ff6b6b; padding: 0 16px; }
      .snapshot { width: 100%; aspect-ratio: 16 / 9; object-fit: contain; background: #000; border-radius: 3px; margin-top: 8px; }
    </style>
    </head>
    <body>
    <header><h1>vsr stream</h1><span id="summary">loading…</span></header>
    <div id="problem"></div>
    <main id="tiles"></main>
    <script>
    "use strict";
    function ago(since) {
      const s = Math.max(0, Math.round(Date.now() / 1000 - since));
      if (s < 90) return s + " s";
      if (s < 5400) return Math.round(s / 60) + " min";
      if (s < 172800) return Math.round(s / 3600) + " h";
      return Math.round(s / 86400) + " d";
    }
    function row(dl, name, value) {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = name; dd.textContent = value; dl.append(dt, dd);
    }
    function tile(r) {
      const t = document.createElement("section");
      t.className = "tile " + r.state;
      t.dataset.camera = r.stream;
      t.dataset.state = r.state;
      const h = document.createElement("h2"); h.textContent = r.stream;
      const st = document.createElement("div"); st.className = "state";
      st.textContent = r.state + " for " + ago(r.state_since);
      const dl = document.createElement("dl");
      row(dl, "fps in / out", r.input_fps.toFixed(1) + " / " + r.output_fps.toFixed(1));
      const shown = r.upscaled + r.fallback + r.dropped;
      row(dl, "upscaled", shown ? Math.round(100 * r.upscaled / shown) + " %" : "–");
      row(dl, "latency p50 / p99", r.latency_ms_p50 + " / " + r.latency_ms_p99 + " ms");
      row(dl, "reconnects", String(r.reconnects));
      t.append(h, st);
      if (r.frames_in > 0 || pictures.has(r.stream)) {
        const img = document.createElement("img");
        img.className = "snapshot"; img.alt = "latest picture of " + r.stream;
        const old = pictures.get(r.stream);
        if (old) img.src = old;
        t.append(img);
        picture(r.stream, img);
      }
      t.append(dl);
      if (r.last_error) {
        const e = document.createElement("div"); e.className = "error"; e.textContent = "last error: " + r.last_error;
        t.append(e);
      }
      return t;
    }
    // Snapshots need the token where one is set: the page takes it from its address
    // (http://host:8080/#token=...), never from the server.
    const token = new URLSearchParams(location.hash.slice(1)).get("token");
    const pictures = new Map();
    let shot = 0;
    async function picture(name, img) {
      if (shot++ % 3 !== 0 && pictures.has(name)) return;  // a new picture every third refresh
      try {
        const headers = token ? { Authorization: "Bearer " + token } : {};
        const reply = await fetch("api/v1/streams/" + encodeURIComponent(name) + "/snapshot.jpg?view=output", { headers, cache: "no-store" });
        if (!reply.ok) return;
        const url = URL.createObjectURL(await reply.blob());
        const old = pictures.get(name);
        pictures.set(name, url);
        img.src = url;
        if (old) setTimeout(() => URL.revokeObjectURL(old), 5000);
      } catch (e) {}
    }
    async function refresh() {
      try {
        const reply = await fetch("api/v1/streams", { cache: "no-store" });
        if (!reply.ok) throw new Error("HTTP " + reply.status);
        const streams = await reply.json();
        document.getElementById("tiles").replaceChildren(...streams.map(tile));
        const live = streams.filter(s => s.state === "live").length;
        document.getElementById("summary").textContent = live + " of " + streams.length + " cameras live";
        document.getElementById("problem").textContent = "";
      } catch (e) {
        document.getElementById("problem").textContent = "cannot reach vsr: " + e.message;
      }
    }
    refresh();
    setInterval(refresh, 2000);
    </script>
    </body>
    </html>
    """#
}
