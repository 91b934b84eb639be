// A real OpenID Connect provider for the single sign-on tests: the certified
// `oidc-provider` package (panva), on loopback, with the clients, accounts and
// signing keys that the test suite hands it.
//
// usage: node oidc_provider.mjs <config.json>
//   {"port": 0-65535, "clients": [{client_id, client_secret, redirect_uris}],
//    "accounts": {"alice": {"preferred_username": "alice", "groups": ["lecturers"]}},
//    "jwks": {"keys": [<private JWK>]}, "idTokenTtl": seconds}
// Prints {"issuer": "http://127.0.0.1:<port>"} once it listens; stops on SIGTERM.
//
// Sign-in goes through oidc-provider's own development pages (`devInteractions`:
// a form with a login name and a password, which they do not check); consent
// is implied for these first-party clients, as a campus IdP configures it.
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = config.accounts;

const provider = new Provider(issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
    ...client,
  })),
  jwks: config.jwks,
  cookies: { keys: ["test-cookie-key-0123456789abcdef"] },
  claims: {
    openid: ["sub"],
    profile: ["preferred_username", "name"],
    email: ["email", "email_verified"],
    groups: ["groups"],
  },
  scopes: ["openid", "profile", "email", "groups"],
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  ttl: {
    IdToken: config.idTokenTtl ?? 3600,
    AccessToken: 3600,
    AuthorizationCode: 60,
    Grant: 3600,
    Interaction: 600,
    Session: 3600,
  },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (account === undefined) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid profile email groups");
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = "json";
    ctx.body = out;
  },
});

const server = provider.listen(config.port, "127.0.0.1", () => {
  console.log(JSON.stringify({ issuer }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
