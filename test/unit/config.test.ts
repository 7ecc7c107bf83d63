import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('gives defaults and converts numbers and booleans from strings', () => {
    const c = loadConfig({ PORT: '8080', WORKER_IN_API: 'false' });
    expect(c.PORT).toBe(8080);
    expect(c.WORKER_IN_API).toBe(false);
    expect(c.QUEUE_MODE).toBe('auto');
    expect(c.BULK_MAX_ITEMS).toBe(1000);
    expect(c.databaseFile).toMatch(/data\/techmatch\.sqlite$/);
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', QUEUE_MODE: 'kafka' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', QUEUE_MODE: 'kafka' });
    } catch (e) {
      expect(String(e)).toMatch(/PORT/);
    }
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });
});
