import { CosmosClient } from "@azure/cosmos";

const client = new CosmosClient({ endpoint: process.env.COSMOS_ENDPOINT, key: process.env.COSMOS_KEY });
export const products = client.database("catalog").container("products");

export async function productBySlug(slug) {
  const { resources } = await products.items
    .query({ query: "SELECT * FROM p WHERE p.slug = @slug", parameters: [{ name: "@slug", value: slug }] })
    .fetchAll();
  return resources[0];
}

export async function productsInCategory(category, page, pageSize) {
  const { resources } = await products.items
    .query({
      query:
        "SELECT * FROM p WHERE ARRAY_CONTAINS(p.categories, @category) " +
        "ORDER BY p.rank OFFSET @offset LIMIT @limit",
      parameters: [
        { name: "@category", value: category },
        { name: "@offset", value: page * pageSize },
        { name: "@limit", value: pageSize },
      ],
    })
    .fetchAll();
  return resources;
}
