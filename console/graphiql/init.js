// Starts GraphiQL against this server (no inline script: the page's policy forbids it).
// The headers pane's Authorization is sent with queries, and with subscriptions in the
// WebSocket's connection_init payload ({"authorization": "Bearer …"}), as siaga expects.
(function () {
  var origin = window.location.origin;
  var wsOrigin = origin.replace(/^http/, 'ws');
  var fetcher = GraphiQL.createFetcher({
    url: origin + '/graphql',
    subscriptionUrl: wsOrigin + '/graphql/ws',
    wsConnectionParams: function () {
      try {
        var headers = JSON.parse(window.localStorage.getItem('graphiql:headers') || '{}');
        var value = headers.Authorization || headers.authorization;
        return value ? { authorization: value } : {};
      } catch (_) {
        return {};
      }
    },
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true })
  );
})();
