// Fedify reads one built post object and walks its conversation collections.
//
// Usage: node walk_conversation.mjs <post object URL>
//
// The post is looked up with Fedify's `lookupObject`, then its `replies` (every page),
// `likes`, `shares` and `context` collections are read through Fedify's vocabulary getters.
// Prints one JSON document of what Fedify found; any error Fedify raises exits non-zero
// with the message on stderr. Documents come only from the post's own origin (a loopback
// server, hence `allowPrivateAddress`); JSON-LD contexts only from the ones Fedify ships
// preloaded. Anything else is refused, so a run never reaches the network. The items of the
// collections are read as ids; only those on the post's origin (the owner's own replies) are
// looked up too, since the remote replies live on other servers.
import {
  Collection,
  getDocumentLoader,
  lookupObject,
  OrderedCollection,
} from "@fedify/fedify";

const MAX_PAGES = 100;
// The contexts `getDocumentLoader` answers from memory (its documentation lists them).
const PRELOADED = new Set([
  "https://www.w3.org/ns/activitystreams",
  "https://w3id.org/security/v1",
  "https://w3id.org/security/data-integrity/v1",
  "https://www.w3.org/ns/did/v1",
  "https://w3id.org/security/multikey/v1",
  "https://purl.archive.org/socialweb/webfinger",
  "http://schema.org/",
]);

/** A document loader that fetches only from `origin` (loopback allowed) and preloaded contexts. */
function guardedLoader(origin) {
  const fedify = getDocumentLoader({ allowPrivateAddress: true });
  return async (url) => {
    if (new URL(url).origin !== origin && !PRELOADED.has(url)) {
      throw new Error(`refusing to fetch ${url}: not on ${origin} and not a preloaded context`);
    }
    return await fedify(url);
  };
}

/** Ids, total and page count of a collection, following `first` and `next` page by page. */
async function walk(collection, options) {
  const found = {
    id: collection.id?.href ?? null,
    type: collection.constructor.name,
    totalItems: collection.totalItems,
    items: collection.itemIds.map((url) => url.href),
    pages: [],
  };
  let page = collection.firstId == null ? null : await collection.getFirst(options);
  while (page != null) {
    const id = page.id?.href ?? null;
    if (found.pages.includes(id) || found.pages.length >= MAX_PAGES) {
      throw new Error(`the pages of ${found.id} loop or never end (at ${id})`);
    }
    found.pages.push(id);
    found.items.push(...page.itemIds.map((url) => url.href));
    page = await page.getNext(options);
  }
  return found;
}

/** The collection a getter returns, checked to be one. */
async function collectionOf(what, getter, options) {
  const collection = await getter(options);
  if (!(collection instanceof Collection)) {
    throw new Error(`${what} is not a Collection: ${collection?.constructor.name}`);
  }
  return await walk(collection, options);
}

async function main(postUrl) {
  const loader = guardedLoader(new URL(postUrl).origin);
  // "throw": a document or embedded object whose id is on another origin than the URL it
  // came from is an error, not silently dropped.
  const options = { documentLoader: loader, contextLoader: loader, crossOrigin: "throw" };
  const post = await lookupObject(postUrl, options);
  if (post == null) throw new Error(`Fedify could not look up ${postUrl}`);
  const contexts = [];
  for await (const context of post.getContexts(options)) {
    if (!(context instanceof OrderedCollection)) {
      throw new Error(`the context is not an OrderedCollection: ${context?.constructor.name}`);
    }
    contexts.push(await walk(context, options));
  }
  const found = {
    id: post.id?.href ?? null,
    type: post.constructor.name,
    replies: await collectionOf("replies", (o) => post.getReplies(o), options),
    likes: await collectionOf("likes", (o) => post.getLikes(o), options),
    shares: await collectionOf("shares", (o) => post.getShares(o), options),
    contexts,
  };
  found.local = await lookUpLocal(found, new URL(postUrl).origin, options);
  return found;
}

/** The type and `inReplyTo` of every collection item on `origin`, looked up by Fedify. */
async function lookUpLocal(found, origin, options) {
  const walked = [found.replies, found.likes, found.shares, ...found.contexts];
  const ids = new Set(walked.flatMap((c) => c.items).filter((id) => id.startsWith(origin + "/")));
  const local = {};
  for (const id of ids) {
    const object = await lookupObject(id, options);
    if (object == null) throw new Error(`Fedify could not look up ${id}`);
    local[id] = { type: object.constructor.name, inReplyTo: object.replyTargetId?.href ?? null };
  }
  return local;
}

if (process.argv.length !== 3) {
  console.error("usage: node walk_conversation.mjs <post object URL>");
  process.exit(2);
}
try {
  console.log(JSON.stringify(await main(process.argv[2]), null, 2));
} catch (error) {
  console.error(`fedify: ${error?.stack ?? error}`);
  process.exit(1);
}
