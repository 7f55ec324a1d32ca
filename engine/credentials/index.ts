/** Where target secrets are resolved (from the config, the environment or a file) and what the redactor learns. */
export { resolveSecret, type SecretSource } from "./secret-source.js";
export { knownSecrets, targetSecrets } from "./known-secrets.js";
