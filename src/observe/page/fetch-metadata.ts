// Whether the browser made a request for another site's page (Fetch Metadata headers): an image, a
// fetch or a frame on a page served elsewhere, which the page's cookie must not open it to.

/**
 * True when `Sec-Fetch-Site` says another site or another origin of this site (another port on this
 * machine is the same site, so the page's SameSite=Strict cookie goes with it) asked, unless it is the
 * user following a link to the page itself (`navigate` to a `document`; the page cannot be framed).
 * Clients that send no such header (curl, old browsers) are not judged by it.
 */
export function isFromAnotherPage (headers: Record<string, unknown>, isPageItself: boolean): boolean {
  const site = headers['sec-fetch-site']
  if (site !== 'cross-site' && site !== 'same-site') return false
  return !(isPageItself && headers['sec-fetch-mode'] === 'navigate' && headers['sec-fetch-dest'] === 'document')
}
