// The URL a client on this machine uses to reach a server listening on `host:port`: a wildcard
// address is shown as loopback, an IPv6 address in brackets. For logs, and for the embedded
// Temporal UI's codec endpoint.
export function localUrl(host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${shown}:${port}`;
}
