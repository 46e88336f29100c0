-- Cost of attack on sweep points as columns (issue 18), so a sweep's points can be filtered on it like the risk and
-- cost figures: the cheapest capital any of the point's searches found to break its rules (NULL: none broke it
-- within its maxCapital, or no search was asked for), and how many of its searches broke it (0: it held against
-- every search; NULL: none was asked for, or the point was skipped). Points written before this version are filled
-- from their stored JSON.

ALTER TABLE sweep_points ADD COLUMN cheapest_attack_cost DECIMAL(18, 6);
ALTER TABLE sweep_points ADD COLUMN attack_searches_broken BIGINT;

UPDATE sweep_points
   SET attack_searches_broken = len(list_filter(json_extract_string(point, '$.attackCost[*].costOfAttack'), x -> x IS NOT NULL)),
       cheapest_attack_cost = list_min(list_transform(
         list_filter(json_extract_string(point, '$.attackCost[*].costOfAttack'), x -> x IS NOT NULL),
         x -> CAST(x AS DECIMAL(18, 6))))
 WHERE status = 'evaluated' AND coalesce(json_array_length(point, '$.attackCost'), 0) > 0;
