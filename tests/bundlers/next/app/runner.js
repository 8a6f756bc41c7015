"use client";
// A client component that imports pycage at the top, as a user would; the
// sandbox only starts in the browser (useEffect). Hands the API to the test
// driver (tests/bundlers/run.mjs).
import { useEffect } from "react";
import init, { Sandbox, SandboxInitError } from "pycage";

export default function Runner() {
  useEffect(() => {
    window.pycage = { init, Sandbox, SandboxInitError };
    document.body.dataset.ready = "true";
  }, []);
  return <p>pycage consumer</p>;
}
