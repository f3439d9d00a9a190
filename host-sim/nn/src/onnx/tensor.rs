//! Constant tensors of an ONNX file (`TensorProto`: initializers and
//! `Constant` values) as `f64`, every length checked against the declared
//! shape before anything is allocated.

use tract_onnx::pb::{tensor_proto::DataType, TensorProto};

/// A constant: its ONNX shape (with any batch axis) and its values,
/// row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Constant {
    /// The declared dimensions.
    pub shape: Vec<usize>,
    /// The values.
    pub data: Vec<f64>,
}

impl Constant {
    /// A scalar.
    pub fn scalar(v: f64) -> Self {
        Constant {
            shape: vec![],
            data: vec![v],
        }
    }

    /// The value when the constant holds exactly one element.
    pub fn as_scalar(&self) -> Option<f64> {
        (self.data.len() == 1).then(|| self.data[0])
    }
}

/// Decodes a tensor of type float, double, float16, int32 or int64 stored
/// inline (raw little-endian bytes or the typed fields). The error says what
/// is wrong.
pub fn decode(t: &TensorProto) -> Result<Constant, String> {
    if t.data_location == Some(1) || !t.external_data.is_empty() {
        return Err(format!(
            "tensor `{}` keeps its data in an external file, which hearth does not read \
             (fix: export with the weights inside the model file)",
            t.name
        ));
    }
    let mut shape = Vec::with_capacity(t.dims.len());
    for &d in &t.dims {
        shape.push(
            usize::try_from(d).map_err(|_| format!("tensor `{}` has dimension {d}", t.name))?,
        );
    }
    let n = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&n| n <= 1 << 31)
        .ok_or_else(|| format!("tensor `{}` of shape {shape:?} is too large", t.name))?;
    let dtype = DataType::try_from(t.data_type)
        .map_err(|_| format!("tensor `{}` has data type {}", t.name, t.data_type))?;
    let width = match dtype {
        DataType::Float | DataType::Int32 => 4,
        DataType::Double | DataType::Int64 => 8,
        DataType::Float16 => 2,
        other => return Err(format!("tensor `{}` has data type {other:?}; hearth reads float, double, float16, int32 and int64", t.name)),
    };
    let short = |have: usize| {
        format!(
            "tensor `{}` of shape {shape:?} holds {have} values, needs {n}",
            t.name
        )
    };
    let data: Vec<f64> = if !t.raw_data.is_empty() {
        if t.raw_data.len() != n * width {
            return Err(short(t.raw_data.len() / width));
        }
        let raw = t.raw_data.chunks_exact(width);
        match dtype {
            DataType::Float => raw
                .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect(),
            DataType::Int32 => raw
                .map(|b| f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect(),
            DataType::Double => raw
                .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
                .collect(),
            DataType::Int64 => raw
                .map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as f64)
                .collect(),
            _ => raw
                .map(|b| half(u16::from_le_bytes([b[0], b[1]])))
                .collect(),
        }
    } else {
        let have = match dtype {
            DataType::Float => t.float_data.len(),
            DataType::Double => t.double_data.len(),
            DataType::Int64 => t.int64_data.len(),
            _ => t.int32_data.len(),
        };
        if have != n {
            return Err(short(have));
        }
        match dtype {
            DataType::Float => t.float_data.iter().map(|&v| f64::from(v)).collect(),
            DataType::Double => t.double_data.clone(),
            DataType::Int64 => t.int64_data.iter().map(|&v| v as f64).collect(),
            DataType::Int32 => t.int32_data.iter().map(|&v| f64::from(v)).collect(),
            _ => t.int32_data.iter().map(|&v| half(v as u16)).collect(),
        }
    };
    Ok(Constant { shape, data })
}

/// An IEEE 754 binary16 value.
fn half(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_raw_and_typed_and_checks_lengths() {
        let mut t = TensorProto {
            dims: vec![2],
            data_type: DataType::Float as i32,
            ..Default::default()
        };
        t.raw_data = [1.5f32.to_le_bytes(), (-2.0f32).to_le_bytes()].concat();
        assert_eq!(decode(&t).unwrap().data, [1.5, -2.0]);
        t.raw_data.pop();
        assert!(decode(&t).unwrap_err().contains("needs 2"));
        t.raw_data.clear();
        t.float_data = vec![3.0];
        assert!(decode(&t).is_err());
        t.float_data.push(4.0);
        assert_eq!(decode(&t).unwrap().data, [3.0, 4.0]);
        let h = TensorProto {
            dims: vec![3],
            data_type: DataType::Float16 as i32,
            raw_data: [0x3c00u16, 0xc000, 0x3555]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
            ..Default::default()
        };
        let v = decode(&h).unwrap().data;
        assert_eq!(&v[..2], &[1.0, -2.0]);
        assert!((v[2] - 1.0 / 3.0).abs() < 1e-3);
        let big = TensorProto {
            dims: vec![1 << 40, 1 << 40],
            data_type: 1,
            ..Default::default()
        };
        assert!(decode(&big).unwrap_err().contains("too large"));
    }
}
