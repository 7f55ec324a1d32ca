/** RFC 8693 names the tests use, and one exchange at a gateway's POST /v1/token over real HTTP. */
export const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
export const JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
export const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

/** Posts a form-encoded token exchange (grant_type added) to `gatewayUrl`; answers the status and the JSON body. */
export async function exchangeAt(gatewayUrl: string, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gatewayUrl}/v1/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE, ...fields }).toString() });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
