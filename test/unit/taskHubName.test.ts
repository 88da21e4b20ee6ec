import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadSettings } from '../../src/config/settings';
import { defaultTaskHubName } from '../../src/config/taskHubName';

describe('default task hub name, as the Functions extension derives it', () => {
  test('the sanitized app name, else TestHubName', () => {
    expect(defaultTaskHubName({})).toBe('TestHubName');
    expect(defaultTaskHubName({ WEBSITE_SITE_NAME: 'my-func-app' })).toBe('myfuncapp');
    expect(defaultTaskHubName({ WEBSITE_SITE_NAME: '1st-app' })).toBe('t1stapp');
    expect(defaultTaskHubName({ WEBSITE_SITE_NAME: 'a-b' })).toBe('abHub');
    expect(defaultTaskHubName({ WEBSITE_SITE_NAME: '---' })).toBe('DefaultTaskHub');
    expect(defaultTaskHubName({ WEBSITE_SITE_NAME: 'x'.repeat(60) })).toBe('x'.repeat(45));
  });

  test('host.json hubName wins and is validated, not sanitized', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-'));
    expect(loadSettings(dir, { WEBSITE_SITE_NAME: 'my-app' }).hubName).toBe('myapp');
    fs.writeFileSync(path.join(dir, 'host.json'), JSON.stringify({ extensions: { durableTask: { hubName: 'my-hub' } } }));
    expect(() => loadSettings(dir, {})).toThrow("Task hub name 'my-hub' is invalid");
  });
});
