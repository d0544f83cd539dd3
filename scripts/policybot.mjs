#!/usr/bin/env node
// Launcher for the `policybot` CLI: registers the TypeScript loader, then runs scripts/policybot.ts.
import { register } from 'tsx/esm/api';

register();
await import('./policybot.ts');
