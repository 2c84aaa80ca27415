// Decrypts SOPS files with the npm package sops-age (an independent implementation) and prints
// each as JSON on one line; with --repeat N, decrypts N times and prints the mean milliseconds.
import { decryptSops } from "sops-age";
import fs from "fs";

const args = process.argv.slice(2);
let repeat = 0;
if (args[0] === "--repeat") {
  repeat = Number(args[1]);
  args.splice(0, 2);
}
const key = fs
  .readFileSync(args[0], "utf8")
  .split("\n")
  .find((l) => l.startsWith("AGE-SECRET-KEY"));
for (const f of args.slice(1)) {
  const fileType = f.endsWith(".yaml") ? "yaml" : f.endsWith(".env") ? "env" : "json";
  const text = fs.readFileSync(f, "utf8");
  if (repeat > 0) {
    const start = performance.now();
    for (let i = 0; i < repeat; i++) await decryptSops(text, { secretKey: key, fileType });
    console.log(((performance.now() - start) / repeat).toFixed(3));
  } else {
    console.log(JSON.stringify(await decryptSops(text, { secretKey: key, fileType })));
  }
}
