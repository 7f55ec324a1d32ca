export { freePort } from "../../proxy/demo/free-port.js";
