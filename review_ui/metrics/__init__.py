"""Review metrics: the human-in-the-loop playbook's figures from stored decisions
(`figures`), reviewer agreement (`agreement`), and the dashboard page and its JSON (`dashboard`)."""
