// Preact with htm: JSX-like templates without a build step (console/vendor/VERSIONS.md).
import { h, render, Fragment, Component } from '../vendor/preact.mjs';
import htm from '../vendor/htm.mjs';

export { h, render, Fragment, Component };
export { useState, useEffect, useMemo, useRef, useCallback } from '../vendor/hooks.mjs';
export const html = htm.bind(h);
