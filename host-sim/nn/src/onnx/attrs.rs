//! Reading a node's attributes by name, with the ONNX defaults supplied by
//! the caller.

use tract_onnx::pb::{AttributeProto, NodeProto};

fn find<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

/// An integer attribute, or `default`.
pub fn int(node: &NodeProto, name: &str, default: i64) -> i64 {
    find(node, name).map_or(default, |a| a.i)
}

/// A float attribute, or `default`.
pub fn float(node: &NodeProto, name: &str, default: f32) -> f32 {
    find(node, name).map_or(default, |a| a.f)
}

/// A list-of-integers attribute, or `None` when absent.
pub fn ints(node: &NodeProto, name: &str) -> Option<Vec<i64>> {
    find(node, name).map(|a| a.ints.clone())
}

/// A string attribute, or `default`.
pub fn string(node: &NodeProto, name: &str, default: &str) -> String {
    find(node, name).map_or(default.to_string(), |a| {
        String::from_utf8_lossy(&a.s).into_owned()
    })
}

/// The attribute itself, for `Constant`'s value forms.
pub fn raw<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    find(node, name)
}
