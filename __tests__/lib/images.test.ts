// The image catalog and image references: everything pinned, nothing on latest.
import { IMAGE_CATALOG, parseImageReference } from '../../lib/images';

describe('the image catalog', () => {
  it.each(Object.entries(IMAGE_CATALOG))('%s is pinned to a version that publishes arm64 and amd64', (_, image) => {
    expect(() => parseImageReference(`${image.repository}:${image.tag}`)).not.toThrow();
    expect(image.tag).not.toMatch(/^(latest|stable|edge|main)$/);
    expect(image.architectures).toEqual(expect.arrayContaining(['arm64', 'amd64']));
  });
});

describe('parseImageReference', () => {
  it('splits registry, repository and tag', () => {
    expect(parseImageReference('ghcr.io/org/app:1.2.3')).toEqual({ repository: 'ghcr.io/org/app', tag: '1.2.3', digest: undefined });
    expect(parseImageReference('localhost:5000/app:2')).toMatchObject({ repository: 'localhost:5000/app', tag: '2' });
  });

  it('refuses latest', () => {
    expect(() => parseImageReference('nginx:latest')).toThrow('image "nginx:latest" on "latest"; expected a pinned version tag such as 1.2.3');
  });

  it('refuses a reference without a tag, even with a registry port', () => {
    expect(() => parseImageReference('localhost:5000/app')).toThrow('image "localhost:5000/app" without a tag; expected a pinned version such as "localhost:5000/app:1.2.3"');
  });

  it('accepts a digest and refuses a malformed one', () => {
    expect(parseImageReference(`app:1@sha256:${'a'.repeat(64)}`).digest).toBe(`sha256:${'a'.repeat(64)}`);
    expect(() => parseImageReference('app:1@sha256:abc')).toThrow(/expected sha256:<64 hex digits>/);
  });

  it('refuses an upper-case repository', () => {
    expect(() => parseImageReference('Org/App:1')).toThrow(/expected a lower-case repository/);
  });
});
