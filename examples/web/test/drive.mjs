// Drives the system Chromium (headless, through puppeteer-core: nothing downloaded) for
// BrowserTest.java. Reads a JSON job from argv[2]:
//   {"chromium": "/usr/bin/chromium", "timeoutMs": 60000,
//    "pages": [{"url": "http://127.0.0.1:1234/tests.html", "args": {...runBrowserTests arguments}}],
//    "screenshot": {"url": "...", "path": "out.png"}}   (optional: the example page, after a greeting)
// and prints one line "RESULTS <json>": per page, the results and the CORS preflights Chromium sent.
import puppeteer from "puppeteer-core";

const job = JSON.parse(process.argv[2]);
const timeout = job.timeoutMs ?? 60000;
// Bounded no matter what: a hung browser or page ends the process.
setTimeout(() => { console.error("drive.mjs: timed out after " + timeout + " ms"); process.exit(3); }, timeout).unref();

const browser = await puppeteer.launch({
  executablePath: job.chromium,
  headless: true,
  // Root in a container has no user namespace sandbox; /dev/shm may be small.
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  protocolTimeout: timeout,
});
try {
  const out = [];
  for (const { url, args } of job.pages ?? []) {
    const page = await browser.newPage();
    page.setDefaultTimeout(timeout);
    page.on("console", (m) => console.error(`[page ${url}] ${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => console.error(`[page ${url}] error: ${e.message}`));
    const cdp = await page.createCDPSession();
    await cdp.send("Network.enable");
    const preflights = [];
    cdp.on("Network.requestWillBeSent", (e) => {
      if (e.type === "Preflight" || e.request.method === "OPTIONS") preflights.push(e.request.url);
    });
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => window.browserTestsLoaded === true);
    const results = await page.evaluate((a) => window.runBrowserTests(a), args);
    out.push({ url, results, preflights });
    await page.close();
  }
  if (job.screenshot) {
    const page = await browser.newPage();
    await page.setViewport({ width: 900, height: 560 });
    await page.goto(job.screenshot.url, { waitUntil: "load" });
    await page.click("button[type=submit]");
    await page.waitForSelector("body[data-done=true]");
    await page.screenshot({ path: job.screenshot.path });
    out.push({ url: job.screenshot.url, replies: await page.$$eval("#replies li", (l) => l.map((e) => e.textContent)) });
  }
  console.log("RESULTS " + JSON.stringify(out));
} finally {
  await browser.close();
}
