// The dashboard's live parts (web/dashboard_views.py): charts of volume, sentiment and stance
// (uPlot, refreshed every minute from /api/v1/dashboard/volume), the alerts panel reloaded
// when the alert stream speaks (Server-Sent Events, signed in by the session cookie), and the
// list of new items kept short on a wall screen that runs for days.
"use strict";

(function () {
  const script = document.currentScript;
  const volumeUrl = script.dataset.volumeUrl;
  const newAlertText = script.dataset.newAlert || "New alert";
  const locale = document.documentElement.lang || "id";
  const zone = "Asia/Jakarta"; // times are shown in WIB, as on the rest of the pages
  const MAX_ITEMS_SHOWN = 60;
  const REFRESH_MS = 60 * 1000;
  const colours = {
    total: "#0b4f8a",
    negative: "#b3261e",
    neutral: "#5b6470",
    positive: "#1d7a3a",
  };

  // --- charts --------------------------------------------------------------------------------

  function columns(payload, kind) {
    const points = payload.points || [];
    const x = points.map(function (p) { return Date.parse(p.start) / 1000; });
    const names = kind === "stance" ? ["negative", "neutral", "positive"]
      : ["total", "negative", "neutral", "positive"];
    const data = [x];
    names.forEach(function (name) {
      data.push(points.map(function (p) { return name === "total" ? p.total : p[kind][name]; }));
    });
    return { names: names, data: data, daily: payload.bucket === "day" };
  }

  function formatter(daily, withDate) {
    const options = daily
      ? { day: "numeric", month: "short", timeZone: zone }
      : { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone };
    if (withDate && !daily) {
      options.day = "numeric";
      options.month = "short";
    }
    const format = new Intl.DateTimeFormat(locale, options);
    return function (seconds) { return format.format(new Date(seconds * 1000)); };
  }

  function plotHeight(element) {
    const wanted = parseInt(getComputedStyle(element).getPropertyValue("--plot-height"), 10);
    return Number.isNaN(wanted) ? 170 : wanted;
  }

  function makeChart(element, payload) {
    const kind = element.dataset.kind;
    const labels = JSON.parse(element.dataset.labels || "{}");
    const shaped = columns(payload, kind);
    const tick = formatter(shaped.daily, false);
    const full = formatter(shaped.daily, true);
    const series = [{ value: function (u, v) { return v == null ? "" : full(v); } }];
    shaped.names.forEach(function (name) {
      series.push({
        label: labels[name] || name,
        stroke: colours[name],
        width: name === "total" ? 2.5 : 1.75,
        fill: name === "total" ? "rgba(11, 79, 138, 0.08)" : undefined,
        points: { show: false },
      });
    });
    const options = {
      width: Math.max(200, element.clientWidth),
      height: plotHeight(element),
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), zone); },
      series: series,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      axes: [
        {
          stroke: "#3d4650",
          grid: { stroke: "#e3e6ea" },
          space: 70,
          values: function (u, splits) { return splits.map(tick); },
        },
        {
          stroke: "#3d4650",
          grid: { stroke: "#e3e6ea" },
          values: function (u, splits) {
            return splits.map(function (v) { return Number.isInteger(v) ? v.toLocaleString(locale) : ""; });
          },
        },
      ],
      scales: { y: { range: function (u, min, max) { return [0, Math.max(4, max)]; } } },
    };
    const chart = new uPlot(options, shaped.data, element);
    if ("ResizeObserver" in window) {
      new ResizeObserver(function () {
        chart.setSize({ width: Math.max(200, element.clientWidth), height: plotHeight(element) });
      }).observe(element);
    }
    return { chart: chart, kind: kind };
  }

  const embedded = document.getElementById("volume-data");
  const charts = [];
  if (window.uPlot && embedded) {
    const payload = JSON.parse(embedded.textContent);
    document.querySelectorAll(".chart[data-kind]").forEach(function (element) {
      charts.push(makeChart(element, payload));
    });
  }

  function refreshCharts() {
    if (!volumeUrl || !charts.length || document.hidden) {
      return;
    }
    fetch(volumeUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (payload) {
        if (!payload) {
          return;
        }
        charts.forEach(function (entry) {
          entry.chart.setData(columns(payload, entry.kind).data);
        });
      })
      .catch(function () { /* the next refresh tries again */ });
  }
  window.setInterval(refreshCharts, REFRESH_MS);

  // --- alerts, live --------------------------------------------------------------------------

  const live = document.getElementById("live-status");

  function onAlertEvent(event) {
    let title = "";
    try {
      title = JSON.parse(event.data).alert.title;
    } catch (error) {
      title = "";
    }
    if (event.type === "alert.created" && live) {
      live.textContent = newAlertText + ": " + title;
    }
    if (window.htmx) {
      window.htmx.trigger(document.body, "dcc:alerts");
    }
  }

  if ("EventSource" in window) {
    const stream = new EventSource("/api/v1/alerts/stream", { withCredentials: true });
    ["created", "updated", "acknowledged", "dismissed", "escalated"].forEach(function (name) {
      stream.addEventListener("alert." + name, onAlertEvent);
    });
    stream.addEventListener("open", function () {
      document.body.dataset.alertStream = "open";
    });
    window.addEventListener("pagehide", function () { stream.close(); });
  }

  // --- the live list of items, and focus after an alert action -------------------------------

  // A session that ended answers a fragment request with the sign-in page: show it whole.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && new URL(xhr.responseURL).pathname === "/login") {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });

  document.addEventListener("htmx:oobAfterSwap", function () {
    const list = document.getElementById("latest-items");
    while (list && list.children.length > MAX_ITEMS_SHOWN) {
      list.removeChild(list.lastElementChild);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    const source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (source && source.tagName === "FORM" && event.detail.target.id === "alerts-panel") {
      const heading = document.getElementById("alerts-title");
      if (heading) {
        heading.focus();
      }
    }
  });
})();
