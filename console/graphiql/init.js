// Starts GraphiQL against this server (no inline script: the page's policy forbids it).
// GraphiQL sends the headers pane with queries, and merges it into the WebSocket's
// connection_init payload for subscriptions, so {"Authorization": "Bearer …"} in the pane
// signs in both.
(function () {
  var origin = window.location.origin;
  var fetcher = GraphiQL.createFetcher({
    url: origin + '/graphql',
    subscriptionUrl: origin.replace(/^http/, 'ws') + '/graphql/ws',
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true })
  );
})();
