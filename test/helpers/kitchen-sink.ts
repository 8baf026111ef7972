/**
 * The XSS and remote-content kitchen sink: every way we know for mail HTML to run script,
 * navigate, submit or call home, each leaving a trace (a data attribute, a top-level
 * sentinel, a request to the beacon) if it works. Shared by the web inbox tests and
 * the direct /view/{ID}.html tests.
 */
export function kitchenSink(beacon: string): string {
  const pwn = (how: string) => `document.documentElement.dataset.pwned='${how}';try{top.__sentinel='${how}'}catch(e){};new Image().src='${beacon}/${how}'`;
  return `<!doctype html><html><head>
<base href="${beacon}/base/">
<meta http-equiv="refresh" content="0;url=${beacon}/refresh">
<link rel="stylesheet" href="${beacon}/remote.css">
<link rel="prefetch" href="${beacon}/prefetch">
<style>@import url("${beacon}/import.css"); body { background: url(${beacon}/css-bg.png); width: expression(${pwn('css-expression')}); }</style>
<script>${pwn('script')}</script>
</head><body onload="${pwn('body-onload')}">
<h1 id="marker">Kitchen sink rendered</h1>
<img id="pixel" src="${beacon}/pixel.png" width="1" height="1" alt="">
<img src="missing.png" onerror="${pwn('onerror')}" alt="">
<a id="js" href="javascript:${pwn('javascript-url')}">javascript link</a>
<a id="data" href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>
<a id="plain" href="https://example.invalid/path">plain link</a>
<iframe src="data:text/html,<script>${pwn('data-iframe')}</script>"></iframe>
<iframe src="${beacon}/iframe"></iframe>
<form id="form" action="${beacon}/form" method="post"><input name="x" value="1"><button id="submit">Send</button></form>
<svg xmlns="http://www.w3.org/2000/svg" onload="${pwn('svg-onload')}"><script>${pwn('svg-script')}</script><image href="${beacon}/svg-image.png" width="1" height="1"/></svg>
<object data="${beacon}/object"></object>
<embed src="${beacon}/embed">
<video poster="${beacon}/poster.png"></video>
<div style="background-image:url('${beacon}/inline-style.png')">styled</div>
<math><maction actiontype="statusline" xlink:href="javascript:${pwn('mathml')}">m</maction></math>
</body></html>`;
}

/** Paths the beacon may see only once the reader asked for remote content (images, CSS, a prefetch). */
export const REMOTE_CONTENT = new Set(['/prefetch', '/pixel.png', '/remote.css', '/import.css', '/css-bg.png', '/svg-image.png', '/poster.png', '/inline-style.png']);
