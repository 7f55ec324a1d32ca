/** The throwaway OpenSSH server tests forward to: the demo's, started the same way. */
export { startSshd, type RunningSshd } from "../../proxy/demo/sshd-server.js";
