// Fixture for redactor.test.ts. Every credential below is fake (documentation examples or random
// strings); none was ever valid.

/** A message holding one secret: after redaction `secret` must be gone and `[REDACTED:<kind>]` present. */
export interface PositiveExample {
  text: string;
  secret: string;
  kind: string;
}

const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
const GH = "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d";
const AZURE_KEY = "3J1TWDtkwtDDb+xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU8po+799NksnRH9ucAUsdMlHUvTCQCyEZ==";
const PEM_BODY =
  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu";

export const positives: PositiveExample[] = [
  // AWS
  { text: "using key AKIAIOSFODNN7EXAMPLE for s3 upload", secret: "AKIAIOSFODNN7EXAMPLE", kind: "aws-access-key" },
  { text: "sts creds ASIAY34FZKBOKMUTVV7A expire at 12:00", secret: "ASIAY34FZKBOKMUTVV7A", kind: "aws-access-key" },
  { text: "AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE", secret: "AKIAI44QH8DHBEXAMPLE", kind: "aws-access-key" },
  {
    text: "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    kind: "aws-secret-key",
  },
  {
    text: "AWS_SECRET_ACCESS_KEY: je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    secret: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    kind: "aws-secret-key",
  },
  {
    text: '{"aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "region": "eu-west-1"}',
    secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    kind: "aws-secret-key",
  },
  // GCP
  {
    text: "maps call failed key=AIzaYgCfrL1spNxnyVmihA-2O76UMFxFkM-R5Kj",
    secret: "AIzaYgCfrL1spNxnyVmihA-2O76UMFxFkM-R5Kj",
    kind: "gcp-api-key",
  },
  {
    text: "GET https://maps.googleapis.com/maps/api/geocode/json?key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
    secret: "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
    kind: "gcp-api-key",
  },
  // Azure
  {
    text: "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4+/==;EndpointSuffix=core.windows.net",
    secret: "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4+/==",
    kind: "azure-key",
  },
  {
    text: "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=q1w2e3r4t5y6u7i8o9p0AbCdEfGhIjKlMnOpQr=",
    secret: "q1w2e3r4t5y6u7i8o9p0AbCdEfGhIjKlMnOpQr=",
    kind: "azure-key",
  },
  { text: `storage key ${AZURE_KEY} rotated`, secret: AZURE_KEY, kind: "azure-key" },
  {
    text: "GET https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&ss=b&sig=Xk4%2BdT9s0mVqP8wLzR1a%3D 403",
    secret: "Xk4%2BdT9s0mVqP8wLzR1a%3D",
    kind: "signature",
  },
  // GitHub
  { text: `git clone failed with token ghp_${GH}`, secret: `ghp_${GH}`, kind: "github-token" },
  { text: `oauth: gho_${GH} revoked`, secret: `gho_${GH}`, kind: "github-token" },
  { text: `app installation token ghs_${GH}`, secret: `ghs_${GH}`, kind: "github-token" },
  {
    text: "GITHUB_TOKEN=github_pat_11ABCDEFG0hGAkWvj7FAc9QeWJKY40_uvSwMFLZDe1f8rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpzz63F",
    secret: "github_pat_11ABCDEFG0hGAkWvj7FAc9QeWJKY40_uvSwMFLZDe1f8rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpzz63F",
    kind: "github-token",
  },
  // Slack
  {
    text: "slack post failed: xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    secret: "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    kind: "slack-token",
  },
  {
    text: "user token xoxp-1111111111-2222222222-3333333333-abcdefabcdefabcdefabcdefabcdefab in use",
    secret: "xoxp-1111111111-2222222222-3333333333-abcdefabcdefabcdefabcdefabcdefab",
    kind: "slack-token",
  },
  { text: "app token xapp? no: xoxa-2-abcdefghij0123456789", secret: "xoxa-2-abcdefghij0123456789", kind: "slack-token" },
  { text: "refresh xoxr-0123456789abcdefghij", secret: "xoxr-0123456789abcdefghij", kind: "slack-token" },
  {
    text: "POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX returned 404",
    secret: "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    kind: "slack-webhook",
  },
  // Stripe
  {
    text: "charge failed with key sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    secret: "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    kind: "stripe-key",
  },
  { text: "restricted rk_live_51H8abcDEFghiJKLmnoPQR in config", secret: "rk_live_51H8abcDEFghiJKLmnoPQR", kind: "stripe-key" },
  // Bearer and Basic
  {
    text: "Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543",
    secret: "8f14e45fceea167a5a36dedd4bea2543",
    kind: "bearer-token",
  },
  {
    text: 'curl -H "Authorization: Bearer abcDEF123456ghiJKL" https://api.example.com/v1',
    secret: "abcDEF123456ghiJKL",
    kind: "bearer-token",
  },
  {
    text: "upstream rejected bearer sl.BqX9-abc_123.def~456/ghi+jk==",
    secret: "sl.BqX9-abc_123.def~456/ghi+jk==",
    kind: "bearer-token",
  },
  { text: "Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=", secret: "dXNlcm5hbWU6cGFzc3dvcmQ=", kind: "basic-auth" },
  { text: "proxy-authorization=Basic YWxhZGRpbjpvcGVuc2VzYW1l", secret: "YWxhZGRpbjpvcGVuc2VzYW1l", kind: "basic-auth" },
  {
    text: '{"headers":{"authorization":"Bearer tok_9a8b7c6d5e4f3g2h1"}}',
    secret: "tok_9a8b7c6d5e4f3g2h1",
    kind: "bearer-token",
  },
  // JWT
  { text: `session jwt ${JWT} rejected`, secret: JWT, kind: "jwt" },
  { text: `GET /callback?id_token=${JWT}&state=xyz`, secret: JWT, kind: "jwt" },
  {
    text: "decoded eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9. as unsigned",
    secret: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
    kind: "jwt",
  },
  // Private keys
  {
    text: `loaded key -----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY----- ok`,
    secret: PEM_BODY,
    kind: "private-key",
  },
  {
    text: `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`,
    secret: PEM_BODY,
    kind: "private-key",
  },
  {
    text: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----",
    secret: "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    kind: "private-key",
  },
  {
    text: "truncated: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49",
    secret: "MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49",
    kind: "private-key",
  },
  // Passwords in URLs
  { text: "connecting to postgres://app:s3cr3t-P4ss@db.internal:5432/orders", secret: "s3cr3t-P4ss", kind: "password" },
  { text: "redis://:r3disPa55@cache:6379/0 unreachable", secret: "r3disPa55", kind: "password" },
  { text: "amqp://guest:Gu3st!pw@rabbit/vhost", secret: "Gu3st!pw", kind: "password" },
  { text: "mongodb+srv://admin:Xy7%40pass@cluster0.mongodb.net/db", secret: "Xy7%40pass", kind: "password" },
  { text: "fetch https://deploy:ghTok3nValue@git.example.com/repo.git", secret: "ghTok3nValue", kind: "password" },
  // key=value, JSON, YAML
  { text: "login ok user=bob password=hunter2 from 10.0.0.1", secret: "hunter2", kind: "password" },
  { text: "db connect PASSWD=Tr0ub4dor&3", secret: "Tr0ub4dor", kind: "password" },
  { text: "mysql -u root --password=rootpw123", secret: "rootpw123", kind: "password" },
  { text: 'config loaded: {"user":"svc","password":"p@ss w0rd!","port":5432}', secret: "p@ss w0rd!", kind: "password" },
  { text: "  db_password: Sup3rS3cret", secret: "Sup3rS3cret", kind: "password" },
  { text: "client_secret=9f8e7d6c5b4a3210fedcba", secret: "9f8e7d6c5b4a3210fedcba", kind: "secret" },
  { text: '{"clientSecret": "abcd-efgh-ijkl-mnop"}', secret: "abcd-efgh-ijkl-mnop", kind: "secret" },
  { text: "api_key=live_12ab34cd56ef", secret: "live_12ab34cd56ef", kind: "api-key" },
  { text: "X-Api-Key: 0a1b2c3d4e5f60718293", secret: "0a1b2c3d4e5f60718293", kind: "api-key" },
  { text: "request apikey=ZXCVBNMASDFG12 denied", secret: "ZXCVBNMASDFG12", kind: "api-key" },
  { text: "auth_token='t0k3n-v4lu3-abc'", secret: "t0k3n-v4lu3-abc", kind: "token" },
  { text: "refresh_token=rt.AAABBBCCC111222", secret: "rt.AAABBBCCC111222", kind: "token" },
  {
    text: "PRIVATE_KEY=MIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8",
    secret: "MIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8",
    kind: "secret",
  },
  { text: "credentials: adm1n:letmein", secret: "adm1n:letmein", kind: "secret" },
  { text: "set-cookie session=s%3AabcDEF123.xyz; Path=/", secret: "s%3AabcDEF123.xyz", kind: "session" },
  {
    text: "sessionId=9c1185a5c5e9fc54612808977ee8f548b2258d31",
    secret: "9c1185a5c5e9fc54612808977ee8f548b2258d31",
    kind: "session",
  },
  { text: "Auth=Zm9vOmJhcg== rejected", secret: "Zm9vOmJhcg==", kind: "authorization" },
  {
    text: 'log: "{\\"user\\":\\"x\\",\\"password\\":\\"esc4ped!\\"}"',
    secret: "esc4ped!",
    kind: "password",
  },
  { text: "secret = 'multi word secret value'", secret: "multi word secret value", kind: "secret" },
  // e-mail
  { text: "password reset email sent to alice.smith@example.com", secret: "alice.smith@example.com", kind: "email" },
  { text: "user=bob+alerts@mail.example.co.uk not found", secret: "bob+alerts@mail.example.co.uk", kind: "email" },
  { text: "<J.Doe@Corp-Mail.io> bounced", secret: "J.Doe@Corp-Mail.io", kind: "email" },
  // identifiers people build from what they have at hand: an event id, a user id, a label name
  { text: "evt-7731:jane.doe@example.org", secret: "jane.doe@example.org", kind: "email" },
  { text: `evt-ghp_${GH}-retry-2`, secret: `ghp_${GH}`, kind: "github-token" },
  { text: "user:ops.lead@example.net", secret: "ops.lead@example.net", kind: "email" },
  // cards
  { text: "charge declined for card 4111111111111111", secret: "4111111111111111", kind: "card-number" },
  { text: "card=5555 5555 5555 4444 expired", secret: "5555 5555 5555 4444", kind: "card-number" },
  { text: "amex 3782 822463 10005 flagged", secret: "3782 822463 10005", kind: "card-number" },
  { text: "pan: 6011-1111-1111-1117", secret: "6011-1111-1111-1117", kind: "card-number" },
  { text: '{"pan":"4012888888881881"}', secret: "4012888888881881", kind: "card-number" },
  { text: "mastercard 2223003122003222 ok", secret: "2223003122003222", kind: "card-number" },
  { text: "old visa 4222222222222 refunded", secret: "4222222222222", kind: "card-number" },
  { text: "jcb 3530111333300000", secret: "3530111333300000", kind: "card-number" },
];

/** Messages without secrets: redaction must return them unchanged. */
export const negatives: string[] = [
  "request 550e8400-e29b-41d4-a716-446655440000 completed in 42ms",
  "deployed commit 9fceb02d0ae598e95dc970b74767f19372d61af8 to production",
  "short sha 9fceb02 built",
  "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
  "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  "processed 1234567 records in 9876 ms",
  "order 100234 total 1999.99 EUR",
  "epoch 1700000000000 is the cut-over",
  "snowflake id 1234567890123456789 assigned",
  "2024-05-01T12:34:56.789Z INFO payments-api started",
  "at 2024-05-01 12:34:56,789 worker 7 idle",
  "connect ECONNREFUSED 10.0.0.12:5432",
  "listening on [::1]:8080 and 192.168.1.10:443",
  "ipv6 fe80::1ff:fe23:4567:890a reachable",
  "node version v20.11.1, app 1.42.0-rc.3+build.7",
  "release 2024.05.1 rolled out to 3 regions",
  "card 4111111111111112 rejected by validation",
  "number 1234 5678 9012 3456 is not a card",
  "ref 5555-5555-5555-4445 invalid",
  "payload eyJ0eXAiOiJLV1QiLCJub3RlIjoibm90IGEgand0In0 in base64",
  "blob SGVsbG8gV29ybGQhIFRoaXMgaXMgbm90IGEgc2VjcmV0Lg== decoded",
  "password reset email sent",
  "password reset requested for user 4711",
  "token expired, refreshing",
  "auth token expired for session",
  "Bearer token missing in request",
  "invalid credentials supplied",
  "session expired after 30m of inactivity",
  "GET https://api.example.com/v1/orders?page=2&limit=50 200",
  "redirect to http://localhost:3000/callback",
  "fetch https://example.com:8443/path/to/resource failed",
  "max_tokens=1500 token_type=bearer session_count=3 auth_method=oauth",
  "password_file=/run/secrets/db secret_name=db-creds",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference is the point
  "token: null, password: ***, api_key: ${API_KEY}",
  '{"password": "", "token": null}',
  "cache key=user:42:profile evicted",
  "keyspace notifications enabled",
  "monkey patched the author field",
  "user@host:~$ ls",
  "installed @types/node@20.11.5 and pkg@1.2.3",
  "phone +1 415 555 0100 called",
  "GET /api/v1/signals?since=2024-05-01 returned 17 signals",
  "a == b comparison failed",
  "batch sizes: 13 21 34 55 89 144",
  "tokens used: 1234, prompt tokens: 567",
];
