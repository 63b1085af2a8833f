// A real OpenID provider for the tests (panva's oidc-provider, certified by the OpenID
// Foundation), on loopback. Its development sign-in form accepts any login name; the person's
// claims come from the accounts file the test writes, read again at each sign-in so a test can
// move someone to another group between two sign-ins.
//
// usage: node oidc_provider.mjs CONFIG.json
//   {"port": 0, "clients": [{client_id, client_secret, redirect_uris}], "accounts": "file"}
// It prints "listening <issuer>" once it accepts requests.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function accounts() {
  return JSON.parse(readFileSync(config.accounts, 'utf8'));
}

const server = createServer();
server.listen(config.port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      ...c,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'groups'],
    },
    cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
    pkce: { required: () => true },
    async findAccount(ctx, id) {
      const claims = accounts()[id];
      if (!claims) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
    },
    // Claims go into the ID token itself, as many providers (Keycloak, Entra ID) do.
    conformIdTokenClaims: false,
  });
  provider.on('server_error', (ctx, err) => console.error(err));
  server.on('request', provider.callback());
  console.log(`listening ${issuer}`);
});
